/**
 * `/v1/subscriptions/{id}`: retrieve (with `expand[]=latest_invoice`) and the one update Billkit
 * makes, ending a subscription at an instant (`cancel_at`, `proration_behavior`) when it is
 * migrated off Stripe Billing. The fake does not create subscriptions: a test seeds them (and
 * their invoices) with `seedList(store, "subscriptions" | "invoices", […])`, as Stripe-shaped
 * objects; an update changes the seeded object, so a later list (a sync) sees it too.
 */
import { invalidRequest, noSuch } from "./errors.js"
import { listSeeds } from "./lists.js"
import { expandOf, type Params } from "./params.js"
import { ok, route, type Route } from "./routing.js"
import type { FakeStripeStore } from "./store.js"

type Seeded = { readonly id: string; readonly created: number } & Record<string, unknown>

const seeded = (store: FakeStripeStore, family: string, id: string): Seeded | undefined =>
  listSeeds.get(store)?.get(family)?.find((o) => o.id === id) as Seeded | undefined

const subscriptionOf = (store: FakeStripeStore, id: string): Seeded => {
  const found = seeded(store, "subscriptions", id)
  if (found === undefined) throw noSuch("subscription", id)
  return found
}

/** The subscription as answered: `latest_invoice` an id, or the invoice itself when expanded. */
const view = (store: FakeStripeStore, subscription: Seeded, params: Params) => {
  const invoiceId = typeof subscription.latest_invoice === "string" ? subscription.latest_invoice : null
  const expanded = expandOf(params).includes("latest_invoice") && invoiceId !== null
  return structuredClone({ ...subscription, ...(expanded ? { latest_invoice: seeded(store, "invoices", invoiceId) ?? invoiceId } : {}) })
}

const prorations = ["always_invoice", "create_prorations", "none"]

export const subscriptionRoutes: ReadonlyArray<Route> = [
  route("GET", "/v1/subscriptions/:id", ({ store, path, params }) => ok(view(store, subscriptionOf(store, path.id), params))),
  route("POST", "/v1/subscriptions/:id", ({ store, path, params, emit }) => {
    const subscription = subscriptionOf(store, path.id) as Seeded & { cancel_at?: unknown; cancel_at_period_end?: unknown }
    if (typeof subscription.status === "string" && ["canceled", "incomplete_expired"].includes(subscription.status)) {
      throw invalidRequest(`A canceled subscription can only update its cancellation_details and metadata.`, undefined, "resource_missing")
    }
    const unknown = Object.keys(params).filter((k) => k !== "cancel_at" && k !== "proration_behavior" && k !== "expand")
    if (unknown.length > 0) throw invalidRequest(`Received unknown parameter: ${unknown[0]}. The fake updates only cancel_at.`, unknown[0])
    if (params.proration_behavior !== undefined && !prorations.includes(String(params.proration_behavior))) {
      throw invalidRequest(`Invalid proration_behavior: must be one of ${prorations.join(", ")}`, "proration_behavior")
    }
    const previous = { cancel_at: subscription.cancel_at ?? null, cancel_at_period_end: subscription.cancel_at_period_end ?? false }
    if (params.cancel_at !== undefined) {
      const raw = String(params.cancel_at)
      const at = Number(raw)
      if (raw === "") subscription.cancel_at = null
      else if (!Number.isInteger(at)) throw invalidRequest("Invalid integer: " + raw, "cancel_at")
      else if (at <= store.now()) throw invalidRequest("cancel_at must be in the future.", "cancel_at")
      else {
        subscription.cancel_at = at
        subscription.cancel_at_period_end = false
      }
    }
    emit("customer.subscription.updated", subscription, previous)
    return ok(view(store, subscription, params))
  })
]
