/**
 * Cursor pagination in ascending id order. A page after a cursor reads forward; a page before
 * one (`endingBefore`) reads backward from it and is turned around. One extra row is fetched to
 * know whether more remain in the direction of travel.
 */
import { Effect } from "effect"
import type { SelectQueryBuilder } from "kysely"
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
    for (const field of Object.keys(q.where ?? {})) out = out.where(field, "=", arg(i++))
    if (q.idFrom !== undefined) out = out.where("id", ">=", arg(i++))
    if (q.idTo !== undefined) out = out.where("id", "<=", arg(i++))
    return out as Q
  }
  const matchingArgs = (tenant: Tenant, q: ListQuery): Array<unknown> => [
    tenant.projectId,
    tenant.mode,
    ...Object.values(q.where ?? {}),
    ...(q.idFrom === undefined ? [] : [q.idFrom]),
    ...(q.idTo === undefined ? [] : [q.idTo])
  ]
  const shape = (q: ListQuery) =>
    `${Object.keys(q.where ?? {}).join(",")}:${q.idFrom !== undefined}:${q.idTo !== undefined}`

  return traced("SqlStorage.list")(function* (spec: CollectionSpec, tenant: Tenant, q: ListQuery) {
    yield* requireIndexed(spec, Object.keys(q.where ?? {}))
    const backward = q.endingBefore !== undefined
    const cursor = q.startingAfter ?? q.endingBefore
    const base = matchingArgs(tenant, q)
    const page = executor.prepare(
      `list:${spec.name}:${shape(q)}:${q.startingAfter !== undefined}:${backward}`,
      (db, arg) => {
        let qb = matching(db.selectFrom(tableOf(spec)).select("data"), q, arg)
        if (cursor !== undefined) qb = qb.where("id", backward ? "<" : ">", arg(base.length))
        return qb.orderBy("id", backward ? "desc" : "asc").limit(arg(base.length + (cursor === undefined ? 0 : 1)) as number)
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
