/** Single-record operations of the port: insert, update and the lookups. */
import { Effect, Option } from "effect"
import { sql, type Kysely } from "kysely"
import {
  UniqueViolation,
  type CollectionSpec,
  type Json,
  type Mode,
  type StoragePort,
  type StoredRecord,
  type Tenant,
  traced
} from "@billkit/core"
import type { SqlError, SqlExecutor } from "./SqlExecutor.js"
import { decodeData, encodeData, indexColumns, requireIndexed, tableOf } from "./tables.js"
import { uniqueViolationOf } from "./uniqueViolations.js"

type RecordStore = Pick<StoragePort, "insert" | "update" | "get" | "getNow" | "findOne" | "findGlobal">

interface ConflictRow {
  readonly id: string
  readonly project_id: string
  readonly mode: string
  readonly [field: string]: string | null
}

export const makeRecordStore = (executor: SqlExecutor): RecordStore => {
  const { query } = executor

  const uniqueFields = (spec: CollectionSpec) => [...spec.unique, ...(spec.globallyUnique ?? [])]

  /** After an insert or update of `record` was skipped: which constraint was in the way. */
  const conflictOf = (spec: CollectionSpec, tenant: Tenant, record: StoredRecord, write: "insert" | "update" = "insert") => {
    const index = indexColumns(spec, record)
    return query((db) =>
      db
        .selectFrom(tableOf(spec))
        .select(["id", "project_id", "mode", ...uniqueFields(spec)])
        .where((eb) =>
          eb.or([
            eb("id", "=", record.id),
            ...spec.unique
              .filter((f) => index[f] !== null)
              .map((f) => eb.and([eb("project_id", "=", tenant.projectId), eb("mode", "=", tenant.mode), eb(f, "=", index[f])])),
            ...(spec.globallyUnique ?? []).filter((f) => index[f] !== null).map((f) => eb(f, "=", index[f]))
          ])
        )
        .execute()
    ).pipe(
      Effect.map((found) => {
        const all = found as unknown as ReadonlyArray<ConflictRow>
        if (write === "insert" && all.some((r) => r.id === record.id)) return { _tag: "DuplicateId" } as const
        // An update's own row holds its values: only other rows clash.
        const rows = all.filter((r) => r.id !== record.id)
        const sameTenant = rows.filter((r) => r.project_id === tenant.projectId && r.mode === tenant.mode)
        const field =
          spec.unique.find((f) => index[f] !== null && sameTenant.some((r) => r[f] === index[f])) ??
          (spec.globallyUnique ?? []).find((f) => index[f] !== null && rows.some((r) => r[f] === index[f]))
        return field === undefined ? ({ _tag: "Gone" } as const) : ({ _tag: "Field", field } as const)
      })
    )
  }

  const insertOnce = (spec: CollectionSpec, tenant: Tenant, record: StoredRecord) => {
    const statement = executor.prepare(`insert:${spec.name}`, (db, arg) =>
      db
        .insertInto(tableOf(spec))
        .values({
          id: arg(0),
          project_id: arg(1),
          mode: arg(2),
          data: arg(3),
          ...Object.fromEntries(spec.indexed.map((field, i) => [field, arg(4 + i)]))
        })
        // Never raises, so an open Postgres transaction is not aborted by a duplicate.
        .onConflict((oc) => oc.doNothing())
        .returning("id"))
    const index = indexColumns(spec, record)
    return statement([record.id, tenant.projectId, tenant.mode, encodeData(record.data), ...spec.indexed.map((f) => index[f])]).pipe(
      Effect.map((result) => result.rows.length === 1)
    )
  }

  const insert = traced("SqlStorage.insert")(function* (spec: CollectionSpec, tenant: Tenant, record: StoredRecord) {
    // A conflicting row can vanish between the two statements only if its transaction rolled
    // back, so the insert is retried a few times before giving up.
    for (let attempt = 0; attempt < 3; attempt++) {
      if (yield* insertOnce(spec, tenant, record).pipe(Effect.orDie)) return
      const conflict = yield* conflictOf(spec, tenant, record).pipe(Effect.orDie)
      if (conflict._tag === "DuplicateId") return yield* Effect.dieMessage(`${spec.name}: duplicate id ${record.id}`)
      if (conflict._tag === "Field") return yield* new UniqueViolation({ collection: spec.name, field: conflict.field })
    }
    return yield* Effect.dieMessage(`${spec.name}: insert of ${record.id} kept conflicting with no visible row`)
  })

  const orUniqueViolation = (spec: CollectionSpec) => (error: SqlError) =>
    Option.match(uniqueViolationOf(spec, error.cause), {
      onNone: () => Effect.die(error),
      onSome: (violation) => Effect.fail(violation)
    })

  /** Sets `data` and the indexed columns (arguments 0…n) of the row `id, project, mode` (n+1…n+3). */
  const updateOf = (db: Kysely<any>, arg: (i: number) => unknown, spec: CollectionSpec) => {
    const n = spec.indexed.length
    return db
      .updateTable(tableOf(spec))
      .set({ data: arg(0), ...Object.fromEntries(spec.indexed.map((field, i) => [field, arg(1 + i)])) })
      .where("id", "=", arg(1 + n))
      .where("project_id", "=", arg(2 + n))
      .where("mode", "=", arg(3 + n))
  }

  const prepareUpdate = (spec: CollectionSpec) => executor.prepare(`update:${spec.name}`, (db, arg) => updateOf(db, arg, spec))

  /**
   * Postgres: the update skips itself when another row of the table holds one of its unique
   * values, so a clash is reported without an error that would abort the open transaction (a
   * caller may catch the UniqueViolation and carry on, as on SQLite and in memory). One statement
   * instead of a savepoint's three. Only a clash with a row another transaction has not yet
   * committed still raises, and then aborts the transaction: a race the caller cannot win anyway.
   */
  const prepareGuardedUpdate = (spec: CollectionSpec) => {
    const n = spec.indexed.length
    return executor.prepare(`guardedUpdate:${spec.name}`, (db, arg) =>
      updateOf(db, arg, spec)
        .where((eb) =>
          eb.not(eb.exists(
            eb.selectFrom(`${tableOf(spec)} as other`)
              .select("other.id")
              .where("other.id", "<>", arg(1 + n))
              .where(eb.or([
                ...spec.unique.map((f) =>
                  eb.and([
                    eb("other.project_id", "=", arg(2 + n)),
                    eb("other.mode", "=", arg(3 + n)),
                    eb(`other.${f}`, "=", arg(1 + spec.indexed.indexOf(f)))
                  ])
                ),
                ...(spec.globallyUnique ?? []).map((f) => eb(`other.${f}`, "=", arg(1 + spec.indexed.indexOf(f))))
              ]))
          ))
        ))
  }

  const update = traced("SqlStorage.update")(function* (spec: CollectionSpec, tenant: Tenant, record: StoredRecord) {
    const index = indexColumns(spec, record)
    const args = [encodeData(record.data), ...spec.indexed.map((f) => index[f]), record.id, tenant.projectId, tenant.mode]
    const guarded = executor.dialect === "postgres" && uniqueFields(spec).length > 0
    const updated = yield* (guarded ? prepareGuardedUpdate(spec) : prepareUpdate(spec))(args).pipe(
      Effect.map((r) => r.changes),
      Effect.catchAll(orUniqueViolation(spec))
    )
    if (updated === 1) return
    if (guarded) {
      // Skipped: a clash, or no such record.
      const conflict = yield* conflictOf(spec, tenant, record, "update").pipe(Effect.orDie)
      if (conflict._tag === "Field") return yield* new UniqueViolation({ collection: spec.name, field: conflict.field })
    }
    return yield* Effect.dieMessage(`${spec.name}: no record ${record.id} to update`)
  })

  const selectById = (spec: CollectionSpec, lock: boolean) => (db: Kysely<any>, arg: (i: number) => unknown) =>
    db
      .selectFrom(tableOf(spec))
      .select("data")
      .where("id", "=", arg(0))
      .where("project_id", "=", arg(1))
      .where("mode", "=", arg(2))
      .$if(lock, (qb) => qb.forUpdate())

  const get = traced("SqlStorage.get")(function* (
    spec: CollectionSpec,
    tenant: Tenant,
    id: string,
    options?: { readonly forUpdate?: boolean }
  ) {
    const lock = options?.forUpdate === true && executor.dialect === "postgres"
    const statement = executor.prepare(`get:${spec.name}:${lock}`, selectById(spec, lock))
    const row = (yield* statement([id, tenant.projectId, tenant.mode]).pipe(Effect.orDie)).rows[0] as { data: string } | undefined
    return Option.map(Option.fromNullable(row), (r): Json => decodeData(r.data))
  })

  // `get` without a lock, from plain code, where statements run synchronously (SQLite).
  const prepareNow = executor.prepareNow
  const getNow = prepareNow === undefined ? undefined : (spec: CollectionSpec, tenant: Tenant, id: string): Option.Option<string> | undefined => {
    const result = prepareNow(`get:${spec.name}:false`, selectById(spec, false))([id, tenant.projectId, tenant.mode])
    if (result === undefined) return undefined
    const row = result.rows[0] as { data: string } | undefined
    return row === undefined ? Option.none() : Option.some(row.data)
  }

  const findOne = traced("SqlStorage.findOne")(function* (
    spec: CollectionSpec,
    tenant: Tenant,
    field: string,
    value: string
  ) {
    yield* requireIndexed(spec, [field])
    const statement = executor.prepare(`findOne:${spec.name}:${field}`, (db, arg) =>
      db
        .selectFrom(tableOf(spec))
        .select("data")
        .where("project_id", "=", arg(0))
        .where("mode", "=", arg(1))
        .where(field, "=", arg(2))
        // `+id` on SQLite: filter by the field's index, not scan the tenant in id order (see findMany).
        .orderBy(executor.dialect === "sqlite" ? sql`+${sql.ref("id")}` : sql.ref("id"))
        .limit(1))
    const row = (yield* statement([tenant.projectId, tenant.mode, value]).pipe(Effect.orDie)).rows[0] as { data: string } | undefined
    return Option.map(Option.fromNullable(row), (r): Json => decodeData(r.data))
  })

  const findGlobal = traced("SqlStorage.findGlobal")(function* (spec: CollectionSpec, field: string, value: string) {
    if (!(spec.globallyUnique ?? []).includes(field)) {
      return yield* Effect.dieMessage(`${spec.name}: ${field} is not a globally unique field`)
    }
    // Compiled once, like every other keyed read: an API key's lookup by its hash.
    const statement = executor.prepare(`findGlobal:${spec.name}:${field}`, (db, arg) =>
      db.selectFrom(tableOf(spec)).select(["project_id", "mode", "data"]).where(field, "=", arg(0)).limit(1))
    const row = (yield* statement([value]).pipe(Effect.orDie)).rows[0] as { project_id: string; mode: string; data: string } | undefined
    return Option.map(Option.fromNullable(row), (r) => ({
      tenant: { projectId: r.project_id as string, mode: r.mode as Mode },
      data: decodeData(r.data)
    }))
  })

  return { insert, update, get, getNow, findOne, findGlobal }
}
