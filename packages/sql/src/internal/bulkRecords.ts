/**
 * Set-wise operations of the port: the due-work query the billing loop polls, and the batched
 * insert usage ingestion relies on.
 */
import { Effect } from "effect"
import { sql } from "kysely"
import { traced, type CollectionSpec, type DueQuery, type Json, type StoredRecord, type Tenant } from "@billkit/core"
import type { SqlExecutor } from "./SqlExecutor.js"
import { decodeData, encodeData, encodeMany, indexColumns, requireIndexed, tableOf } from "./tables.js"

/**
 * Postgres: rows given column by column, zipped into a table `v` by `rows from (…)`: one
 * parameter per column however many rows, one statement text. Each column is a `text[]`, but for
 * `data`, which is sent as one JSON array of the records' data: node-postgres escapes every
 * element of a `text[]` in JavaScript, two regular expressions over each record's JSON.
 * `json_array_elements` answers each element's own text, byte for byte, and `JSON.stringify` of
 * an array is its elements' texts joined by commas: each row stores `encodeData` of its record.
 */
const columnsTable = (columns: ReadonlyArray<string>, param: (i: number) => unknown) =>
  sql<any>`rows from (${sql.join(columns.map((c, i) => c === "data" ? sql`json_array_elements(${param(i)}::json)` : sql`unnest(${param(i)}::text[])`))})`
    .as(sql`v(${sql.join(columns.map((c) => sql.id(c)))})`)

/** The parameters of `columnsTable` for `records`: an array per column, `data` one JSON text. */
const columnParams = (columns: ReadonlyArray<string>, tenant: Tenant, records: ReadonlyArray<StoredRecord>): Array<unknown> =>
  columns.map((column) =>
    column === "data"
      ? JSON.stringify(records.map((record) => record.data))
      : column === "id"
      ? records.map((record) => record.id)
      : column === "project_id"
      ? records.map(() => tenant.projectId)
      : column === "mode"
      ? records.map(() => tenant.mode)
      : records.map((record) => record.index[column] ?? null))

/** A column of `v` as the text it stores. */
const stored = (column: string) => column === "data" ? sql`${sql.ref("v.data")}::text` : sql.ref(`v.${column}`)

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

  /**
   * Inserts what is new and answers the ids that went in; duplicates of ids and unique fields are
   * skipped without aborting the transaction. Each backend takes its cheapest shape (measured in
   * docs/performance.md, "Usage ingestion"): Postgres one `insert … select` from one array per
   * column (`columnsTable`) — 4 + indexed parameters however many rows, one statement text, one
   * round trip; SQLite, in-process, one prepared single-row insert per record, whose `changes`
   * says whether it went in (a thousand-row `values` list with `returning` is slower to bind and
   * read back than a thousand runs of one prepared statement).
   */
  const insertMany = traced("SqlStorage.insertMany")(function* (
    spec: CollectionSpec,
    tenant: Tenant,
    records: ReadonlyArray<StoredRecord>
  ) {
    if (records.length === 0) return []
    const columns = ["id", "project_id", "mode", "data", ...spec.indexed]
    if (executor.dialect === "postgres") {
      const statement = executor.prepare(`insertMany:${spec.name}`, (db, arg) =>
        db
          .insertInto(tableOf(spec))
          .columns(columns)
          .expression(
            db.selectFrom(columnsTable(columns, (i) => arg(i)) as any)
              .select(columns.map((c) => stored(c).as(c)))
          )
          .onConflict((oc) => oc.doNothing())
          .returning("id"))
      const rows = (yield* statement(columnParams(columns, tenant, records)).pipe(Effect.orDie)).rows
      return rows.map((r) => r.id as string)
    }
    const texts = encodeMany(records.map((record) => record.data))
    // A thousand rows a batch: each row's values in one array, nothing in between.
    const valuesOf = (record: StoredRecord, i: number): Array<unknown> => {
      const values: Array<unknown> = [record.id, tenant.projectId, tenant.mode, texts[i]]
      for (const field of spec.indexed) values.push(record.index[field] ?? null)
      return values
    }
    const statement = executor.prepareEach(`insertOne:${spec.name}`, (db, arg) =>
      db
        .insertInto(tableOf(spec))
        .values(Object.fromEntries(columns.map((c, i) => [c, arg(i)])))
        .onConflict((oc) => oc.doNothing()))
    // One transaction keeps the batch all-or-nothing.
    const results = yield* executor.withTransaction(Effect.orDie(statement(records.map(valuesOf))))
    const inserted: Array<string> = []
    records.forEach((record, i) => {
      if (results[i]!.changes === 1) inserted.push(record.id)
    })
    return inserted
  })

  /**
   * One statement whatever the number of values: Postgres takes them as one text array, SQLite as
   * one JSON array (`json_each`), so the statement is compiled once per collection and field.
   */
  const findMany = traced("SqlStorage.findMany")(function* (
    spec: CollectionSpec,
    tenant: Tenant,
    field: string,
    values: ReadonlyArray<string>,
    options?: { readonly forUpdate?: boolean }
  ) {
    if (values.length === 0) return []
    if (field !== "id") yield* requireIndexed(spec, [field])
    const postgres = executor.dialect === "postgres"
    const lock = options?.forUpdate === true && postgres
    const statement = executor.prepare(`findMany:${spec.name}:${field}:${lock}`, (db, arg) =>
      postgres
        ? db
          .selectFrom(tableOf(spec))
          .select(["id", "data", ...spec.indexed])
          .where("project_id", "=", arg(0))
          .where("mode", "=", arg(1))
          .where(sql<boolean>`${sql.ref(field)} = any(${arg(2)}::text[])`)
          .orderBy("id")
          .$if(lock, (qb) => qb.forUpdate())
        // SQLite: the values drive the loop (`cross join` keeps json_each outermost), one lookup
        // in the field's index per value. With `field in (select value from json_each(?))` the
        // planner walked the tenant's whole (project_id, mode) index for a non-id field, a
        // bloom filter per batch: a batch's cost grew with the table (docs/performance.md).
        : db
          .selectFrom(sql<any>`json_each(${arg(2)})`.as("v"))
          .crossJoin(`${tableOf(spec)} as t`)
          .select(["t.id as id", "t.data as data", ...spec.indexed.map((f) => `t.${f} as ${f}`)])
          .where("t.project_id", "=", arg(0))
          .where("t.mode", "=", arg(1))
          .where(sql.ref(`t.${field}`), "=", sql.ref("v.value"))
          .orderBy("t.id"))
    // Distinct values: on SQLite each value yields its rows once more.
    const distinct = [...new Set(values)]
    const rows = (yield* statement([tenant.projectId, tenant.mode, postgres ? distinct : JSON.stringify(distinct)]).pipe(Effect.orDie)).rows
    return rows.map((r): StoredRecord => ({
      id: r.id as string,
      data: decodeData(r.data as string),
      index: Object.fromEntries(spec.indexed.map((f) => [f, (r[f] ?? null) as string | null]))
    }))
  })

  /**
   * Postgres: one `update … from` the rows as one array per column (`columnsTable`), so a batch's
   * updates cost one round trip. SQLite runs in-process: a prepared update per record is as fast.
   */
  const updateMany = traced("SqlStorage.updateMany")(function* (
    spec: CollectionSpec,
    tenant: Tenant,
    records: ReadonlyArray<StoredRecord>
  ) {
    if (records.length === 0) return
    const columns = ["data", ...spec.indexed]
    if (executor.dialect === "postgres") {
      const statement = executor.prepare(`updateMany:${spec.name}`, (db, arg) =>
        db
          .updateTable(`${tableOf(spec)} as t`)
          .from(columnsTable(["id", ...columns], (i) => arg(2 + i)))
          .set(Object.fromEntries(columns.map((c) => [c, stored(c)])))
          .whereRef("t.id", "=", "v.id")
          .where("t.project_id", "=", arg(0))
          .where("t.mode", "=", arg(1)))
      const changed = (yield* statement([tenant.projectId, tenant.mode, ...columnParams(["id", ...columns], tenant, records)]).pipe(Effect.orDie)).changes
      if (changed !== records.length) return yield* Effect.dieMessage(`${spec.name}: updated ${changed} of ${records.length} records`)
      return
    }
    const columnsOf = (record: StoredRecord) => {
      const index = indexColumns(spec, record)
      return [encodeData(record.data), ...spec.indexed.map((f) => index[f])]
    }
    const statement = executor.prepareEach(`updateEach:${spec.name}`, (db, arg) =>
      db
        .updateTable(tableOf(spec))
        .set(Object.fromEntries(columns.map((c, i) => [c, arg(i)])))
        .where("id", "=", arg(columns.length))
        .where("project_id", "=", arg(columns.length + 1))
        .where("mode", "=", arg(columns.length + 2)))
    const results = yield* executor.withTransaction(Effect.orDie(statement(records.map((record) => [...columnsOf(record), record.id, tenant.projectId, tenant.mode]))))
    const missing = records.find((_, i) => results[i]!.changes !== 1)
    if (missing !== undefined) return yield* Effect.dieMessage(`${spec.name}: no record ${missing.id} to update`)
  })

  return { due, insertMany, findMany, updateMany }
}
