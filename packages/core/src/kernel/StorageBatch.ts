/**
 * A batch overlay on the storage port, for the billing loop's set-wise batches.
 *
 * Inside `inBatch`, the port answers reads from rows the batch prefetched (`prefetch`: one query
 * per table for the whole batch) and keeps writes in memory; when the batch's work is done, the
 * writes go out together: one multi-row insert and one multi-row update per collection, a record
 * inserted then updated leaving as one insert of its last state (an invoice's counter row is
 * updated once for the batch, whatever the number of invoices). The services run unchanged: the
 * same code computes each invoice, only the round trips are fewer.
 *
 * What the overlay cannot answer exactly goes to storage, after the collection's pending writes
 * have been flushed so that storage sees them: a lookup on a field that was not prefetched, a
 * `due` query. A read by id of a row the batch does not hold (or holds unlocked, where a lock is
 * asked for) goes to storage without the flush: a pending write of that id is always held. A write storage would refuse (a duplicate
 * id or unique value it alone can see, a missing row) fails the flush, and so the batch's
 * transaction: the billing loop then redoes the batch one step per transaction, without the
 * overlay, where the services see and handle each failure as they always do.
 *
 * Outside `inBatch` every call goes straight to storage.
 */
import { Effect, FiberRef, Option } from "effect"
import type { CollectionSpec, Json, ListQuery, ListResult, StoragePort, StoredRecord, Tenant } from "./Storage.js"
import { UniqueViolation } from "./Storage.js"

interface CachedRow {
  readonly record: StoredRecord
  /** False when the index values are unknown (read by id): such rows never answer a filter. */
  readonly indexed: boolean
  /** Locked by this transaction (Postgres `FOR UPDATE`), or needing no lock. */
  readonly locked: boolean
}

interface CollectionState {
  readonly spec: CollectionSpec
  /** id → row; null: known not to exist (asked for by id and not found). */
  readonly rows: Map<string, CachedRow | null>
  /** field → the values whose rows are all in `rows` (with their index values). */
  readonly covered: Map<string, Set<string>>
  readonly inserts: Map<string, StoredRecord>
  readonly updates: Map<string, StoredRecord>
}

interface Batch {
  readonly tenant: Tenant
  readonly collections: Map<string, CollectionState>
}

const current = FiberRef.unsafeMake<Batch | undefined>(undefined)

const sameTenant = (a: Tenant, b: Tenant) => a.projectId === b.projectId && a.mode === b.mode

/** What a batch prefetches: for a collection, the rows whose `field` is one of `values`. */
export interface Prefetch {
  readonly spec: CollectionSpec
  readonly field: string
  /**
   * The values, or how to take them from the rows the entries before this one loaded (`loaded`
   * answers a collection's rows in the batch, as stored data): the subscriptions of the invoices
   * just read, say, without a round trip to learn their ids first.
   */
  readonly values: Iterable<string> | ((loaded: (spec: CollectionSpec) => ReadonlyArray<Json>) => Iterable<string>)
  /** Lock the rows (Postgres); a later locked read of them then needs no query. */
  readonly forUpdate?: boolean
  /**
   * The rows themselves (their stored data, `field` being "id"), already read in this transaction
   * (and locked, with `forUpdate`): no query is sent, and reads by id are answered from them.
   */
  readonly rows?: ReadonlyArray<Json>
}

/** The stored data of the rows a batch holds for `spec`. */
const loadedRows = (batch: Batch, spec: CollectionSpec): Array<Json> => {
  const out: Array<Json> = []
  for (const row of batch.collections.get(spec.name)?.rows.values() ?? []) if (row !== null) out.push(row.record.data)
  return out
}

const stateOf = (batch: Batch, spec: CollectionSpec): CollectionState => {
  let state = batch.collections.get(spec.name)
  if (state === undefined) {
    state = { spec, rows: new Map(), covered: new Map(), inserts: new Map(), updates: new Map() }
    batch.collections.set(spec.name, state)
  }
  return state
}

const matches = (record: StoredRecord, q: Pick<ListQuery, "where" | "range" | "idFrom" | "idTo">) => {
  if (q.idFrom !== undefined && record.id < q.idFrom) return false
  if (q.idTo !== undefined && record.id > q.idTo) return false
  if (q.range !== undefined) {
    const value = record.index[q.range.field] ?? null
    if (value === null) return false
    if (q.range.from !== undefined && value < q.range.from) return false
    if (q.range.to !== undefined && value > q.range.to) return false
  }
  for (const field in q.where ?? {}) if ((record.index[field] ?? null) !== q.where![field]) return false
  return true
}

/** A list answered from covered rows, with the port's ordering and cursor semantics. */
const listCached = (rows: ReadonlyArray<StoredRecord>, q: ListQuery): ListResult => {
  const all = rows.filter((r) => matches(r, q)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  let window = all
  if (q.startingAfter !== undefined) window = window.filter((r) => r.id > q.startingAfter!)
  if (q.endingBefore !== undefined) window = window.filter((r) => r.id < q.endingBefore!)
  const picked = q.endingBefore !== undefined ? window.slice(Math.max(0, window.length - q.limit)) : window.slice(0, q.limit)
  const result: ListResult = { data: picked.map((r) => r.data), hasMore: window.length > q.limit }
  return q.includeTotal === true ? { ...result, total: all.length } : result
}

const batchesKey = Symbol.for("@billkit/core/StorageBatch")

interface Inner {
  readonly port: StoragePort
  readonly flushAll: (batch: Batch) => Effect.Effect<void>
}

/** Wraps `port` so that the billing loop's batches (`inBatch`) go through the overlay. */
export const withBatches = (port: StoragePort): StoragePort => {
  const lockMatters = port.dialect === "postgres"

  /** Sends the pending writes of one collection to storage. */
  const flushState = (batch: Batch, state: CollectionState) =>
    Effect.gen(function*() {
      if (state.inserts.size > 0) {
        const records = [...state.inserts.values()]
        state.inserts.clear()
        const inserted = yield* port.insertMany(state.spec, batch.tenant, records)
        if (inserted.length !== records.length) {
          return yield* Effect.dieMessage(`${state.spec.name}: ${records.length - inserted.length} of a batch's inserts clashed`)
        }
      }
      if (state.updates.size > 0) {
        const records = [...state.updates.values()]
        state.updates.clear()
        yield* port.updateMany(state.spec, batch.tenant, records)
      }
    })

  const flushAll = (batch: Batch) => Effect.forEach(batch.collections.values(), (s) => flushState(batch, s), { discard: true })

  /** The batch of `tenant`, if one is open; another tenant's call first flushes it all. */
  const batchFor = (tenant: Tenant): Effect.Effect<Batch | undefined> =>
    Effect.flatMap(FiberRef.get(current), (batch) => {
      if (batch === undefined) return Effect.succeed(undefined)
      if (sameTenant(batch.tenant, tenant)) return Effect.succeed(batch)
      return Effect.as(flushAll(batch), undefined)
    })

  /** The collection's pending writes flushed, then `self` run against storage. */
  const throughStorage = <A, E>(batch: Batch, spec: CollectionSpec, self: Effect.Effect<A, E>) => {
    const state = batch.collections.get(spec.name)
    return state === undefined ? self : Effect.zipRight(flushState(batch, state), self)
  }

  const isCovered = (state: CollectionState | undefined, field: string, value: string) =>
    state?.covered.get(field)?.has(value) === true

  const coveredRows = (state: CollectionState): Array<StoredRecord> => {
    const out: Array<StoredRecord> = []
    for (const row of state.rows.values()) if (row !== null && row.indexed) out.push(row.record)
    return out
  }

  /** A covered unique value taken by another row: the write would clash in storage. */
  const clash = (state: CollectionState, record: StoredRecord): string | undefined => {
    for (const field of state.spec.unique) {
      const value = record.index[field] ?? null
      if (value === null || !isCovered(state, field, value)) continue
      for (const row of state.rows.values()) {
        if (row !== null && row.indexed && row.record.id !== record.id && (row.record.index[field] ?? null) === value) return field
      }
    }
    return undefined
  }

  const remember = (state: CollectionState, record: StoredRecord) =>
    state.rows.set(record.id, { record, indexed: true, locked: true })

  const overlaid: StoragePort = {
    ...port,
    insert: (spec, tenant, record) =>
      Effect.flatMap(batchFor(tenant), (batch) => {
        if (batch === undefined) return port.insert(spec, tenant, record)
        const state = stateOf(batch, spec)
        const field = clash(state, record)
        if (field !== undefined) return Effect.fail(new UniqueViolation({ collection: spec.name, field }))
        if (state.rows.get(record.id) != null) return Effect.dieMessage(`${spec.name}: duplicate id ${record.id}`)
        remember(state, record)
        state.inserts.set(record.id, record)
        return Effect.void
      }),
    update: (spec, tenant, record) =>
      Effect.flatMap(batchFor(tenant), (batch) => {
        if (batch === undefined) return port.update(spec, tenant, record)
        const state = stateOf(batch, spec)
        const field = clash(state, record)
        if (field !== undefined) return Effect.fail(new UniqueViolation({ collection: spec.name, field }))
        if (state.rows.get(record.id) === null) return Effect.dieMessage(`${spec.name}: no record ${record.id} to update`)
        remember(state, record)
        if (state.inserts.has(record.id)) state.inserts.set(record.id, record)
        else state.updates.set(record.id, record)
        return Effect.void
      }),
    get: (spec, tenant, id, options) =>
      Effect.flatMap(batchFor(tenant), (batch) => {
        if (batch === undefined) return port.get(spec, tenant, id, options)
        const state = stateOf(batch, spec)
        const row = state.rows.get(id)
        const needsLock = options?.forUpdate === true && lockMatters
        if (row === null) return Effect.succeed(Option.none<Json>())
        if (row !== undefined && (row.locked || !needsLock)) return Effect.succeed(Option.some(row.record.data))
        // No flush first: a pending write of this id would be in `rows`, and others cannot change
        // what a read by id finds (a get-or-create per step, say, would otherwise flush each time).
        return port.get(spec, tenant, id, options).pipe(
          Effect.tap((found) =>
            Effect.sync(() => {
              if (Option.isNone(found)) {
                state.rows.set(id, null)
                return
              }
              const unchanged = row !== undefined && JSON.stringify(row.record.data) === JSON.stringify(found.value)
              if (row !== undefined && !unchanged) state.covered.clear() // another process changed it: trust no filter
              state.rows.set(id, {
                record: { id, data: found.value, index: unchanged ? row!.record.index : {} },
                indexed: unchanged,
                locked: needsLock || !lockMatters
              })
            })
          )
        )
      }),
    findOne: (spec, tenant, field, value) =>
      Effect.flatMap(batchFor(tenant), (batch) => {
        if (batch === undefined) return port.findOne(spec, tenant, field, value)
        const state = batch.collections.get(spec.name)
        if (state === undefined || !isCovered(state, field, value)) return throughStorage(batch, spec, port.findOne(spec, tenant, field, value))
        const first = listCached(coveredRows(state), { where: { [field]: value }, limit: 1 }).data[0]
        return Effect.succeed(Option.fromNullable(first))
      }),
    list: (spec, tenant, query) =>
      Effect.flatMap(batchFor(tenant), (batch) => {
        if (batch === undefined) return port.list(spec, tenant, query)
        const state = batch.collections.get(spec.name)
        const where = query.where ?? {}
        const covered = state !== undefined && Object.keys(where).some((f) => isCovered(state, f, where[f]))
        return covered ? Effect.succeed(listCached(coveredRows(state!), query)) : throughStorage(batch, spec, port.list(spec, tenant, query))
      }),
    due: (spec, tenant, query) =>
      Effect.flatMap(batchFor(tenant), (batch) => batch === undefined ? port.due(spec, tenant, query) : throughStorage(batch, spec, port.due(spec, tenant, query))),
    insertMany: (spec, tenant, records) =>
      Effect.flatMap(batchFor(tenant), (batch) => {
        if (batch === undefined) return port.insertMany(spec, tenant, records)
        const state = stateOf(batch, spec)
        // Insert-if-absent. A row known absent (asked for by id, not found, no unique field that
        // storage alone could see taken) goes in with the batch's writes; a row known present is
        // skipped; the rest ask storage now. Either way the overlay then knows the rows, so a
        // later update of one is not refused as "no record" (analytics' lockOrCreate does this).
        const buffered: Array<string> = []
        const asked: Array<StoredRecord> = []
        for (const record of records) {
          const row = state.rows.get(record.id)
          if (row === null && state.spec.unique.length === 0) {
            remember(state, record)
            state.inserts.set(record.id, record)
            buffered.push(record.id)
          } else if (row === undefined || row === null) {
            asked.push(record)
          }
        }
        if (asked.length === 0) return Effect.succeed(buffered)
        return throughStorage(batch, spec, port.insertMany(spec, tenant, asked)).pipe(
          Effect.map((inserted) => {
            const went = new Set(inserted)
            for (const record of asked) {
              if (went.has(record.id)) remember(state, record)
              else state.rows.delete(record.id) // present after all (another writer): ask storage next time
            }
            return [...buffered, ...inserted]
          })
        )
      }),
    findMany: (spec, tenant, field, values, options) =>
      Effect.flatMap(batchFor(tenant), (batch) =>
        batch === undefined ? port.findMany(spec, tenant, field, values, options) : throughStorage(batch, spec, port.findMany(spec, tenant, field, values, options))),
    updateMany: (spec, tenant, records) =>
      Effect.flatMap(batchFor(tenant), (batch) =>
        batch === undefined ? port.updateMany(spec, tenant, records) : throughStorage(batch, spec, port.updateMany(spec, tenant, records)))
  }

  return Object.assign(overlaid, { [batchesKey]: { port, flushAll } satisfies Inner })
}


/**
 * Runs `self` (inside the caller's transaction) as one batch: `prefetch` first, one query per
 * entry, then `self` against the overlay, then every pending write, before the transaction
 * commits. On a port not made by `withBatches`, `self` runs as it is.
 */
export const inBatch = <A, E, R>(
  storage: StoragePort,
  tenant: Tenant,
  prefetch: ReadonlyArray<Prefetch>,
  self: Effect.Effect<A, E, R>
): Effect.Effect<A, E, R> => {
  const inner = (storage as unknown as Record<symbol, Inner | undefined>)[batchesKey]
  if (inner === undefined) return self
  return Effect.suspend(() => {
    const batch: Batch = { tenant, collections: new Map() }
    const load = Effect.forEach(prefetch, (p) =>
      Effect.gen(function*() {
        const values = [...new Set(typeof p.values === "function" ? p.values((spec) => loadedRows(batch, spec)) : p.values)]
        if (values.length === 0) return
        if (p.rows !== undefined) {
          // Index values unknown (only the data was read): these rows answer reads by id, no filter.
          const state = stateOf(batch, p.spec)
          for (const data of p.rows) {
            state.rows.set(data.id as string, { record: { id: data.id as string, data, index: {} }, indexed: false, locked: p.forUpdate === true || inner.port.dialect !== "postgres" })
          }
          return
        }
        const found = yield* inner.port.findMany(p.spec, tenant, p.field, values, { forUpdate: p.forUpdate === true })
        const state = stateOf(batch, p.spec)
        for (const record of found) state.rows.set(record.id, { record, indexed: true, locked: p.forUpdate === true || inner.port.dialect !== "postgres" })
        if (p.field === "id") {
          for (const id of values) if (!state.rows.has(id)) state.rows.set(id, null)
        }
        let covered = state.covered.get(p.field)
        if (covered === undefined) state.covered.set(p.field, covered = new Set())
        for (const v of values) covered.add(v)
      }), { discard: true })
    const flush = Effect.suspend(() => inner.flushAll(batch))
    return Effect.zipRight(load, Effect.locally(Effect.tap(self, () => flush), current, batch))
  })
}
