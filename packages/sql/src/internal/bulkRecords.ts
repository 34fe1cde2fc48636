/**
 * Set-wise operations of the port: the due-work query the billing loop polls, and the batched
 * insert usage ingestion relies on.
 */
import { Effect } from "effect"
import { traced, type CollectionSpec, type DueQuery, type Json, type StoredRecord, type Tenant } from "@billkit/core"
import type { SqlExecutor } from "./SqlExecutor.js"
import { decodeData, encodeData, indexColumns, requireIndexed, tableOf } from "./tables.js"

// SQLite allows 32,766 bound parameters per statement and Postgres 65,535: stay well below both.
const maxParameters = 30_000

export const makeBulkRecords = (executor: SqlExecutor) => {
  const { query } = executor

  const due = traced("SqlStorage.due")(function* (spec: CollectionSpec, tenant: Tenant, q: DueQuery) {
    yield* requireIndexed(spec, [q.field])
    const lock = q.skipLocked === true && executor.dialect === "postgres" && (yield* executor.inTransaction)
    const statement = executor.prepare(`due:${spec.name}:${q.field}:${lock}`, (db, arg) =>
      db
        .selectFrom(tableOf(spec))
        .select("data")
        .where("project_id", "=", arg(0))
        .where("mode", "=", arg(1))
        .where(q.field, "<=", arg(2))
        .orderBy(q.field)
        .orderBy("id")
        .limit(arg(3) as number)
        .$if(lock, (qb) => qb.forUpdate().skipLocked()))
    const rows = (yield* statement([tenant.projectId, tenant.mode, q.upTo, q.limit]).pipe(Effect.orDie)).rows as ReadonlyArray<{ data: string }>
    return rows.map((r): Json => decodeData(r.data))
  })

  const insertMany = traced("SqlStorage.insertMany")(function* (
    spec: CollectionSpec,
    tenant: Tenant,
    records: ReadonlyArray<StoredRecord>
  ) {
    if (records.length === 0) return []
    const perRow = 4 + spec.indexed.length
    const chunk = Math.max(1, Math.floor(maxParameters / perRow))
    const rows = records.map((record) => ({
      id: record.id,
      project_id: tenant.projectId,
      mode: tenant.mode,
      data: encodeData(record.data),
      ...indexColumns(spec, record)
    }))
    const insertAll = Effect.forEach(
      Array.from({ length: Math.ceil(rows.length / chunk) }, (_, i) => rows.slice(i * chunk, (i + 1) * chunk)),
      (slice) =>
        query((db) =>
          db
            .insertInto(tableOf(spec))
            .values(slice)
            // Skips duplicates of ids and unique fields alike, without aborting the transaction.
            .onConflict((oc) => oc.doNothing())
            .returning("id")
            .execute()
        ).pipe(Effect.orDie)
    )
    // Several statements: one transaction keeps the batch all-or-nothing.
    const inserted = yield* executor.withTransaction(insertAll)
    return inserted.flat().map((r) => r.id as string)
  })

  return { due, insertMany }
}
