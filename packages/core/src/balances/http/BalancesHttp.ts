import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import type { PageMeta } from "../domain/Balance.js"
import { Balances } from "../Balances.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

/** `meta` of a page-number list, with links as query strings (`?page_num=2&page_size=30`). */
export const pageMeta = (total: number, pageNum: number, pageSize: number, extra: Record<string, string | undefined> = {}): PageMeta => {
  const lastPage = Math.max(1, Math.ceil(total / pageSize))
  const url = (page: number) => {
    const query = new URLSearchParams({ page_num: String(page), page_size: String(pageSize) })
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) query.set(k, v)
    return `?${query.toString()}`
  }
  return {
    total,
    perPage: pageSize,
    currentPage: pageNum,
    lastPage,
    firstPage: 1,
    firstPageUrl: url(1),
    lastPageUrl: url(lastPage),
    nextPageUrl: pageNum < lastPage ? url(pageNum + 1) : null,
    previousPageUrl: pageNum > 1 ? url(Math.min(pageNum - 1, lastPage)) : null
  }
}

export const BalancesLive = HttpApiBuilder.group(BillkitApi, "balances", (handlers) =>
  Effect.gen(function*() {
    const balances = yield* Balances
    return handlers
      .handle("list", ({ urlParams: { customer, pageNum, pageSize } }) =>
        command("balances", "read", Effect.map(balances.listPage(pageNum, pageSize, { customer }), (page) => ({
          object: "list" as const,
          balances: page.balances,
          meta: pageMeta(page.total, pageNum, pageSize, { customer })
        }))))
      .handle("retrieve", ({ path }) => command("balances", "read", balances.forCustomer(path.id)))
      .handle("adjust", ({ path, payload }) => command("balances", "write", balances.adjust(path.id, payload)))
      .handle("listTransactions", ({ path, urlParams: { currency, ...page } }) =>
        command("balances", "read", Effect.flatMap(toPageRequest(page), (p) =>
          Effect.map(balances.listTransactions(path.id, p, { currency }), toList))))
  }))
