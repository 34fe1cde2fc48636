/**
 * The storage port in memory: for unit tests, for users' test suites, and as the reference the
 * conformance suite holds SQL to. Transactions are serialized by one semaphore and rolled back
 * with an undo log, so a failed command leaves nothing behind, as on SQL.
 */
import { Effect, FiberRef, Layer, Option } from "effect"
import type {
  CollectionSpec,
  IdempotencyStore,
  Json,
  DueQuery,
  ListQuery,
  ListResult,
  ProjectRecord,
  ProjectStore,
  RateLimitStore,
  StoragePort,
  StoredRecord,
  StoredResponse,
  Tenant
} from "./Storage.js"
import { Storage, UniqueViolation } from "./Storage.js"

interface Row {
  readonly tenant: string
  readonly data: Json
  readonly index: Readonly<Record<string, string | null>>
}

interface Table {
  readonly rows: Map<string, Row>
  /** Ids of each tenant, kept sorted for cursor pagination. */
  readonly ids: Map<string, Array<string>>
  /** `tenant|field|value` (or `*|field|value` for globally unique fields) → id. */
  readonly unique: Map<string, string>
}

type Undo = Array<() => void>

const tenantKey = (t: Tenant) => `${t.projectId}|${t.mode}`

/** Index of the first element ≥ id (or > id when `after`). */
const search = (ids: ReadonlyArray<string>, id: string, after: boolean): number => {
  let lo = 0
  let hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ids[mid] < id || (after && ids[mid] === id)) lo = mid + 1
    else hi = mid
  }
  return lo
}

// JSON round trip: callers never share mutable state with the store, as with a real database.
const copy = <A>(value: A): A => JSON.parse(JSON.stringify(value))

export const makeMemoryStorage = (): StoragePort => {
  const tables = new Map<string, Table>()
  const currentUndo = FiberRef.unsafeMake<Undo | undefined>(undefined)
  const lock = Effect.unsafeMakeSemaphore(1)

  /**
   * Outside a transaction, an operation waits for the running one to finish, so no reader sees
   * writes that may still roll back (read committed, as on SQL). Inside, it already holds the lock.
   */
  const guarded = <A, E>(self: Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.flatMap(FiberRef.get(currentUndo), (undo) => (undo === undefined ? lock.withPermits(1)(self) : self))

  const table = (spec: CollectionSpec): Table => {
    let t = tables.get(spec.name)
    if (t === undefined) {
      t = { rows: new Map(), ids: new Map(), unique: new Map() }
      tables.set(spec.name, t)
    }
    return t
  }

  const uniqueKeys = (spec: CollectionSpec, tenant: string, index: Readonly<Record<string, string | null>>) => {
    const keys: Array<{ key: string; field: string }> = []
    for (const field of spec.unique) {
      const value = index[field]
      if (value != null) keys.push({ key: `${tenant}|${field}|${value}`, field })
    }
    for (const field of spec.globallyUnique ?? []) {
      const value = index[field]
      if (value != null) keys.push({ key: `*|${field}|${value}`, field })
    }
    return keys
  }

  /** Applies `change` now and records how to take it back if the transaction fails. */
  const write = (change: () => () => void) =>
    Effect.flatMap(FiberRef.get(currentUndo), (undo) =>
      Effect.sync(() => {
        const revert = change()
        undo?.push(revert)
      })
    )

  const put = (spec: CollectionSpec, tenant: Tenant, record: StoredRecord, mode: "insert" | "update") =>
    Effect.suspend(() => {
      const t = table(spec)
      const tk = tenantKey(tenant)
      const existing = t.rows.get(record.id)
      if (mode === "insert" && existing !== undefined) return Effect.dieMessage(`${spec.name}: duplicate id ${record.id}`)
      if (mode === "update" && (existing === undefined || existing.tenant !== tk)) {
        return Effect.dieMessage(`${spec.name}: no record ${record.id} to update`)
      }
      const index: Record<string, string | null> = {}
      for (const field of spec.indexed) index[field] = record.index[field] ?? null
      const newKeys = uniqueKeys(spec, tk, index)
      for (const { key, field } of newKeys) {
        const holder = t.unique.get(key)
        if (holder !== undefined && holder !== record.id) {
          return Effect.fail(new UniqueViolation({ collection: spec.name, field }))
        }
      }
      return write(() => {
        const oldKeys = existing ? uniqueKeys(spec, tk, existing.index) : []
        for (const { key } of oldKeys) t.unique.delete(key)
        for (const { key } of newKeys) t.unique.set(key, record.id)
        t.rows.set(record.id, { tenant: tk, data: copy(record.data), index })
        let ids = t.ids.get(tk)
        if (ids === undefined) t.ids.set(tk, (ids = []))
        if (existing === undefined) ids.splice(search(ids, record.id, false), 0, record.id)
        return () => {
          for (const { key } of newKeys) t.unique.delete(key)
          for (const { key } of oldKeys) t.unique.set(key, record.id)
          if (existing === undefined) {
            t.rows.delete(record.id)
            ids.splice(search(ids, record.id, false), 1)
          } else {
            t.rows.set(record.id, existing)
          }
        }
      })
    })

  const visible = (spec: CollectionSpec, tenant: Tenant, id: string): Row | undefined => {
    const row = tables.get(spec.name)?.rows.get(id)
    return row !== undefined && row.tenant === tenantKey(tenant) ? row : undefined
  }

  const matches = (row: Row, where: Readonly<Record<string, string>> | undefined, range?: ListQuery["range"]) => {
    if (range !== undefined) {
      const value = row.index[range.field]
      if (value == null) return false
      if (range.from !== undefined && value < range.from) return false
      if (range.to !== undefined && value > range.to) return false
    }
    if (where === undefined) return true
    for (const field in where) if (row.index[field] !== where[field]) return false
    return true
  }

  const list = (spec: CollectionSpec, tenant: Tenant, q: ListQuery): ListResult => {
    const t = tables.get(spec.name)
    const ids = t?.ids.get(tenantKey(tenant)) ?? []
    const lo = Math.max(q.idFrom ? search(ids, q.idFrom, false) : 0, q.startingAfter ? search(ids, q.startingAfter, true) : 0)
    const hi = Math.min(q.idTo ? search(ids, q.idTo, true) : ids.length, q.endingBefore ? search(ids, q.endingBefore, false) : ids.length)
    const picked: Array<Json> = []
    let hasMore = false
    if (q.endingBefore !== undefined) {
      // Walk back from the cursor, then restore ascending order.
      for (let i = hi - 1; i >= lo; i--) {
        const row = t!.rows.get(ids[i])!
        if (!matches(row, q.where, q.range)) continue
        if (picked.length === q.limit) { hasMore = true; break }
        picked.push(row.data)
      }
      picked.reverse()
    } else {
      for (let i = lo; i < hi; i++) {
        const row = t!.rows.get(ids[i])!
        if (!matches(row, q.where, q.range)) continue
        if (picked.length === q.limit) { hasMore = true; break }
        picked.push(row.data)
      }
    }
    const result: ListResult = { data: picked.map(copy), hasMore }
    if (!q.includeTotal) return result
    const from = q.idFrom ? search(ids, q.idFrom, false) : 0
    const to = q.idTo ? search(ids, q.idTo, true) : ids.length
    let total = 0
    for (let i = from; i < to; i++) if (matches(t!.rows.get(ids[i])!, q.where, q.range)) total++
    return { ...result, total }
  }

  const due = (spec: CollectionSpec, tenant: Tenant, q: DueQuery): Array<Json> => {
    const t = tables.get(spec.name)
    const found: Array<{ key: string; id: string; data: Json }> = []
    for (const id of t?.ids.get(tenantKey(tenant)) ?? []) {
      const row = t!.rows.get(id)!
      const key = row.index[q.field]
      if (key != null && key <= q.upTo) found.push({ key, id, data: row.data })
    }
    found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    return found.slice(0, q.limit).map((f) => copy(f.data))
  }

  /** Inserts each record unless its id or a unique field is taken; returns the ids inserted. */
  const insertMany = (spec: CollectionSpec, tenant: Tenant, records: ReadonlyArray<StoredRecord>) =>
    Effect.suspend(() => {
      const inserted: Array<string> = []
      return Effect.as(
        Effect.forEach(records, (record) =>
          table(spec).rows.has(record.id)
            ? Effect.void
            : put(spec, tenant, record, "insert").pipe(
              Effect.tap(() => inserted.push(record.id)),
              Effect.catchTag("UniqueViolation", () => Effect.void)
            ), { discard: true }),
        inserted
      )
    })

  const projectsById = new Map<string, ProjectRecord>()
  const projects: ProjectStore = {
    insert: (project) =>
      guarded(write(() => {
        projectsById.set(project.id, copy(project))
        return () => projectsById.delete(project.id)
      })),
    get: (id) => guarded(Effect.sync(() => Option.map(Option.fromNullable(projectsById.get(id)), copy))),
    count: guarded(Effect.sync(() => projectsById.size)),
    all: guarded(Effect.sync(() => [...projectsById.values()].sort((a, b) => (a.id < b.id ? -1 : 1)).map(copy))),
    first: guarded(Effect.sync(() => {
      let oldest: ProjectRecord | undefined
      for (const p of projectsById.values()) if (oldest === undefined || p.id < oldest.id) oldest = p
      return Option.map(Option.fromNullable(oldest), copy)
    }))
  }

  interface IdempotencyEntry {
    fingerprint: string
    createdAt: number
    expiresAt: number
    response?: StoredResponse
  }
  const idempotencyKeys = new Map<string, IdempotencyEntry>()
  const idemKey = (scope: string, key: string) => `${scope}\u0000${key}`
  const idempotency: IdempotencyStore = {
    claim: ({ expiresAt, fingerprint, key, now, scope, staleBefore }) =>
      Effect.sync(() => {
        const k = idemKey(scope, key)
        const entry = idempotencyKeys.get(k)
        const reusable =
          entry === undefined || entry.expiresAt <= now || (entry.response === undefined && entry.createdAt < staleBefore)
        if (reusable) {
          idempotencyKeys.set(k, { fingerprint, createdAt: now, expiresAt })
          return { _tag: "Claimed" } as const
        }
        if (entry.fingerprint !== fingerprint) return { _tag: "Mismatch" } as const
        if (entry.response === undefined) return { _tag: "InFlight" } as const
        return { _tag: "Completed", response: entry.response } as const
      }),
    complete: (scope, key, response) =>
      Effect.sync(() => {
        const entry = idempotencyKeys.get(idemKey(scope, key))
        if (entry !== undefined) entry.response = response
      }),
    release: (scope, key) => Effect.sync(() => void idempotencyKeys.delete(idemKey(scope, key)))
  }

  const windows = new Map<string, { count: number; expiresAt: number }>()
  const rateLimits: RateLimitStore = {
    hit: (bucket, windowStart, expiresAt) =>
      Effect.sync(() => {
        const k = `${bucket}\u0000${windowStart}`
        const w = windows.get(k)
        if (w === undefined) {
          windows.set(k, { count: 1, expiresAt })
          return 1
        }
        return ++w.count
      }),
    prune: (now) =>
      Effect.sync(() => {
        for (const [k, w] of windows) if (w.expiresAt <= now) windows.delete(k)
      })
  }

  const withTransaction = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(FiberRef.get(currentUndo), (outer) => {
      if (outer !== undefined) return self
      return lock.withPermits(1)(
        Effect.suspend(() => {
          const undo: Undo = []
          return Effect.locally(self, currentUndo, undo).pipe(
            Effect.onExit((exit) =>
              Effect.sync(() => {
                if (exit._tag === "Failure") for (let i = undo.length - 1; i >= 0; i--) undo[i]()
              })
            )
          )
        })
      )
    })

  return {
    dialect: "memory",
    sharedAcrossProcesses: false,
    withTransaction,
    insert: (spec, tenant, record) => guarded(put(spec, tenant, record, "insert")),
    update: (spec, tenant, record) => guarded(put(spec, tenant, record, "update")),
    get: (spec, tenant, id) => guarded(Effect.sync(() => Option.map(Option.fromNullable(visible(spec, tenant, id)), (r) => copy(r.data)))),
    findOne: (spec, tenant, field, value) =>
      guarded(Effect.sync(() => {
        const t = tables.get(spec.name)
        if (t === undefined) return Option.none()
        const tk = tenantKey(tenant)
        if (spec.unique.includes(field)) {
          const id = t.unique.get(`${tk}|${field}|${value}`)
          return id === undefined ? Option.none() : Option.some(copy(t.rows.get(id)!.data))
        }
        for (const id of t.ids.get(tk) ?? []) {
          const row = t.rows.get(id)!
          if (row.index[field] === value) return Option.some(copy(row.data))
        }
        return Option.none()
      })),
    findGlobal: (spec, field, value) =>
      guarded(Effect.sync(() => {
        const t = tables.get(spec.name)
        const id = t?.unique.get(`*|${field}|${value}`)
        if (t === undefined || id === undefined) return Option.none()
        const row = t.rows.get(id)!
        const [projectId, mode] = row.tenant.split("|") as [string, "test" | "live"]
        return Option.some({ tenant: { projectId, mode }, data: copy(row.data) })
      })),
    list: (spec, tenant, query) => guarded(Effect.sync(() => list(spec, tenant, query))),
    due: (spec, tenant, query) => guarded(Effect.sync(() => due(spec, tenant, query))),
    // One transaction, so a batch is all-or-nothing like a multi-row INSERT.
    insertMany: (spec, tenant, records) => withTransaction(insertMany(spec, tenant, records)),
    findMany: (spec, tenant, field, values) =>
      guarded(Effect.sync(() => {
        const t = tables.get(spec.name)
        if (t === undefined) return []
        const found: Array<StoredRecord> = []
        if (field === "id") {
          // By id: straight lookups, not a scan of the tenant (a webhook batch reads its deliveries back).
          const tk = tenantKey(tenant)
          for (const id of [...new Set(values)].sort()) {
            const row = t.rows.get(id)
            if (row !== undefined && row.tenant === tk) found.push({ id, data: copy(row.data), index: { ...row.index } })
          }
          return found
        }
        const wanted = new Set(values)
        for (const id of t.ids.get(tenantKey(tenant)) ?? []) {
          const row = t.rows.get(id)!
          if (wanted.has(field === "id" ? id : row.index[field] ?? "\u0000")) found.push({ id, data: copy(row.data), index: { ...row.index } })
        }
        return found
      })),
    updateMany: (spec, tenant, records) =>
      withTransaction(Effect.forEach(records, (record) => Effect.orDie(put(spec, tenant, record, "update")), { discard: true })),
    projects,
    idempotency,
    rateLimits
  }
}

export const layerMemory: Layer.Layer<Storage> = Layer.sync(Storage, makeMemoryStorage)
