/**
 * List endpoints for imports (connections' syncs): `GET /v1/customers`, `/v1/charges`,
 * `/v1/refunds` over the fake's objects, and `/v1/products`, `/v1/prices`, `/v1/subscriptions`,
 * `/v1/invoices`, `/v1/balance_transactions` over what a test seeds into `listSeeds`. Newest
 * first, `limit` (1–100, default 10) and `starting_after`, answered as Stripe's list objects.
 * Pass `listRoutes` to `startFakeStripe({ routes })`.
 */
import type { FakeStripeStore } from "./store.js"
import { invalidRequest } from "./errors.js"
import { ok, route, type Route } from "./routing.js"

/** Objects of the families the fake does not create itself, by list path, for `listRoutes` to serve. */
export const listSeeds = new WeakMap<FakeStripeStore, Map<string, Array<{ readonly id: string; readonly created: number }>>>()

/** Seeds `objects` into the fake's `/v1/<family>` list. */
export const seedList = (store: FakeStripeStore, family: string, objects: ReadonlyArray<{ readonly id: string; readonly created: number }>) => {
  const seeds = listSeeds.get(store) ?? new Map()
  listSeeds.set(store, seeds)
  seeds.set(family, [...(seeds.get(family) ?? []), ...objects])
}

const listOf = (url: string, all: ReadonlyArray<{ readonly id: string; readonly created: number }>, params: Record<string, unknown>) => {
  const limit = params.limit === undefined ? 10 : Number(params.limit)
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw invalidRequest("Invalid limit: must be between 1 and 100", "limit")
  // Newest first; ties (same second) by id, descending, so the order is total.
  const sorted = [...all].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
  const after = typeof params.starting_after === "string" ? params.starting_after : undefined
  const start = after === undefined ? 0 : sorted.findIndex((o) => o.id === after) + 1
  if (after !== undefined && start === 0) throw invalidRequest(`No such object: '${after}'`, "starting_after")
  const data = sorted.slice(start, start + limit)
  return ok({ object: "list", url, has_more: start + limit < sorted.length, data })
}

const fromStore = (family: "customers" | "charges" | "refunds"): Route =>
  route("GET", `/v1/${family}`, ({ store, params }) => listOf(`/v1/${family}`, [...store[family].values()], params as Record<string, unknown>))

const fromSeeds = (family: string): Route =>
  route("GET", `/v1/${family}`, ({ store, params }) =>
    listOf(`/v1/${family}`, listSeeds.get(store)?.get(family) ?? [], params as Record<string, unknown>))

export const listRoutes: ReadonlyArray<Route> = [
  fromStore("customers"),
  fromStore("charges"),
  fromStore("refunds"),
  ...["products", "prices", "subscriptions", "invoices", "balance_transactions"].map(fromSeeds)
]
