/**
 * Cursor pagination in ascending id order. A page after a cursor reads forward; a page before
 * one (`endingBefore`) reads backward from it and is turned around. One extra row is fetched to
 * know whether more remain in the direction of travel.
 */
import { Effect } from "effect"
import { sql, type SelectQueryBuilder } from "kysely"
import { traced, type CollectionSpec, type ListQuery, type ListResult, type Tenant } from "@billkit/core"
import type { SqlExecutor } from "./SqlExecutor.js"
import { decodeData, requireIndexed, tableOf } from "./tables.js"

export const makeListRecords = (executor: SqlExecutor) => {
  /**
   * Rows matching `where` and the id bounds (what `total` counts, before any cursor), with the
   * arguments in the order the statement takes them. The statement's key names its shape.
   */
  const matching = <Q extends SelectQueryBuilder<any, any, any>>(qb: Q, q: ListQuery, arg: (i: number) => unknown): Q => {
    let i = 2
    let out = qb.where("project_id", "=", arg(0)).where("mode", "=", arg(1))
    for (const [n, field] of Object.keys(q.where ?? {}).entries()) {
      // SQLite without statistics may pick a poor index (say `status`, shared by most rows) over
      // the first filter's; a unary `+` keeps it to the first filter's index, so callers name
      // their most selective filter first. Postgres plans from its statistics.
      const column = n > 0 && executor.dialect === "sqlite" ? sql<string>`+${sql.ref(field)}` : sql.ref(field)
      out = out.where(column, "=", arg(i++))
    }
    if (q.idFrom !== undefined) out = out.where("id", ">=", arg(i++))
    if (q.idTo !== undefined) out = out.where("id", "<=", arg(i++))
    if (q.range?.from !== undefined) out = out.where(sql.ref(q.range.field), ">=", arg(i++))
    if (q.range?.to !== undefined) out = out.where(sql.ref(q.range.field), "<=", arg(i++))
    return out as Q
  }
  const matchingArgs = (tenant: Tenant, q: ListQuery): Array<unknown> => [
    tenant.projectId,
    tenant.mode,
    ...Object.values(q.where ?? {}),
    ...(q.idFrom === undefined ? [] : [q.idFrom]),
    ...(q.idTo === undefined ? [] : [q.idTo]),
    ...(q.range?.from === undefined ? [] : [q.range.from]),
    ...(q.range?.to === undefined ? [] : [q.range.to])
  ]
  const shape = (q: ListQuery) =>
    `${Object.keys(q.where ?? {}).join(",")}:${q.idFrom !== undefined}:${q.idTo !== undefined}:` +
    `${q.range?.field ?? ""}:${q.range?.from !== undefined}:${q.range?.to !== undefined}`

  return traced("SqlStorage.list")(function* (spec: CollectionSpec, tenant: Tenant, q: ListQuery) {
    yield* requireIndexed(spec, [...Object.keys(q.where ?? {}), ...(q.range === undefined ? [] : [q.range.field])])
    const backward = q.endingBefore !== undefined
    const cursor = q.startingAfter ?? q.endingBefore
    const base = matchingArgs(tenant, q)
    const page = executor.prepare(
      `list:${spec.name}:${shape(q)}:${q.startingAfter !== undefined}:${backward}`,
      (db, arg) => {
        let qb = matching(db.selectFrom(tableOf(spec)).select("data"), q, arg)
        if (cursor !== undefined) qb = qb.where("id", backward ? "<" : ">", arg(base.length))
        // With filters, SQLite would rather walk the tenant's id index (already in order) than
        // use the filter's index and sort; `+id` makes it filter first, as Postgres does.
        const order = executor.dialect === "sqlite" && Object.keys(q.where ?? {}).length > 0 ? sql`+${sql.ref("id")}` : sql.ref("id")
        return qb.orderBy(order, backward ? "desc" : "asc").limit(arg(base.length + (cursor === undefined ? 0 : 1)) as number)
      }
    )
    const rows = (yield* page([...base, ...(cursor === undefined ? [] : [cursor]), q.limit + 1]).pipe(Effect.orDie)).rows as ReadonlyArray<{ data: string }>

    const hasMore = rows.length > q.limit
    const picked = rows.slice(0, q.limit)
    if (backward) picked.reverse()
    const result: ListResult = { data: picked.map((r) => decodeData(r.data)), hasMore }
    if (q.includeTotal !== true) return result

    const count = executor.prepare(`count:${spec.name}:${shape(q)}`, (db, arg) =>
      matching(db.selectFrom(tableOf(spec)), q, arg).select((eb) => eb.fn.countAll().as("total")))
    const counted = (yield* count(base).pipe(Effect.orDie)).rows[0] as { total: number | string | bigint }
    // Postgres returns count(*) as a bigint string.
    return { ...result, total: Number(counted.total) }
  })
}
