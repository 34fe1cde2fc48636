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
    // Row by row, the values in column order: id, project, mode, data, then the indexed fields.
    const rowValues = (record: StoredRecord): Array<unknown> => {
      const index = indexColumns(spec, record)
      return [record.id, tenant.projectId, tenant.mode, encodeData(record.data), ...spec.indexed.map((f) => index[f])]
    }
    const slices = Array.from({ length: Math.ceil(records.length / chunk) }, (_, i) => records.slice(i * chunk, (i + 1) * chunk))
    const insertAll = Effect.forEach(slices, (slice) => {
      // Compiled once per batch size: building a statement of thousands of values is not free.
      const statement = executor.prepare(`insertMany:${spec.name}:${slice.length}`, (db, arg) =>
        db
          .insertInto(tableOf(spec))
          .values(Array.from({ length: slice.length }, (_, r) => ({
            id: arg(r * perRow),
            project_id: arg(r * perRow + 1),
            mode: arg(r * perRow + 2),
            data: arg(r * perRow + 3),
            ...Object.fromEntries(spec.indexed.map((field, i) => [field, arg(r * perRow + 4 + i)]))
          })))
          // Skips duplicates of ids and unique fields alike, without aborting the transaction.
          .onConflict((oc) => oc.doNothing())
          .returning("id"))
      return statement(slice.flatMap(rowValues)).pipe(Effect.map((r) => r.rows), Effect.orDie)
    })
    // Several statements: one transaction keeps the batch all-or-nothing.
    const inserted = yield* executor.withTransaction(insertAll)
    return inserted.flat().map((r) => r.id as string)
  })

  return { due, insertMany }
}
