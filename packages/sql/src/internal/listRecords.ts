/**
 * Cursor pagination in ascending id order. A page after a cursor reads forward; a page before
 * one (`endingBefore`) reads backward from it and is turned around. One extra row is fetched to
 * know whether more remain in the direction of travel.
 */
import { Effect } from "effect"
import type { SelectQueryBuilder } from "kysely"
import type { CollectionSpec, ListQuery, ListResult, Tenant } from "@billkit/core"
import type { SqlExecutor } from "./SqlExecutor.js"
import { decodeData, requireIndexed, tableOf } from "./tables.js"

export const makeListRecords = ({ query }: SqlExecutor) => {
  /** Rows matching `where` and the id bounds: what `total` counts, before any cursor. */
  const matching = <Q extends SelectQueryBuilder<any, any, any>>(qb: Q, tenant: Tenant, q: ListQuery): Q => {
    let out = qb.where("project_id", "=", tenant.projectId).where("mode", "=", tenant.mode)
    for (const [field, value] of Object.entries(q.where ?? {})) out = out.where(field, "=", value)
    if (q.idFrom !== undefined) out = out.where("id", ">=", q.idFrom)
    if (q.idTo !== undefined) out = out.where("id", "<=", q.idTo)
    return out as Q
  }

  return Effect.fn("SqlStorage.list")(function* (spec: CollectionSpec, tenant: Tenant, q: ListQuery) {
    yield* requireIndexed(spec, Object.keys(q.where ?? {}))
    const backward = q.endingBefore !== undefined
    const rows = yield* query((db) => {
      let page = matching(db.selectFrom(tableOf(spec)).select("data"), tenant, q)
      if (q.startingAfter !== undefined) page = page.where("id", ">", q.startingAfter)
      if (q.endingBefore !== undefined) page = page.where("id", "<", q.endingBefore)
      return page
        .orderBy("id", backward ? "desc" : "asc")
        .limit(q.limit + 1)
        .execute()
    }).pipe(Effect.orDie)

    const hasMore = rows.length > q.limit
    const picked = rows.slice(0, q.limit)
    if (backward) picked.reverse()
    const result: ListResult = { data: picked.map((r) => decodeData(r.data)), hasMore }
    if (q.includeTotal !== true) return result

    const counted = yield* query((db) =>
      matching(db.selectFrom(tableOf(spec)), tenant, q)
        .select((eb) => eb.fn.countAll().as("total"))
        .executeTakeFirstOrThrow()
    ).pipe(Effect.orDie)
    // Postgres returns count(*) as a bigint string.
    return { ...result, total: Number(counted.total) }
  })
}
