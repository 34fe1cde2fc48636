/**
 * `/v1/checkout/sessions` (create, retrieve) and `/_fake/checkout/sessions/:id/complete`, which
 * stands in for the customer finishing Stripe's hosted page: the session completes and
 * `checkout.session.completed` is emitted. Only the fields Billkit reads are meaningful; the rest
 * are Stripe's defaults for a session that collected nothing.
 */
import type Stripe from "stripe"
import { getCustomer } from "./customers.js"
import { invalidRequest, noSuch } from "./errors.js"
import { metadataOf, optionalString } from "./params.js"
import { ok, route, type Route } from "./routing.js"
import type { FakeStripeStore } from "./store.js"

const getSession = (store: FakeStripeStore, id: string): Stripe.Checkout.Session => {
  const session = store.checkoutSessions.get(id)
  if (session === undefined) throw noSuch("checkout.session", id)
  return session
}

export const checkoutSessionRoutes: ReadonlyArray<Route> = [
  route("POST", "/v1/checkout/sessions", ({ params, store }) => {
    const mode = optionalString(params, "mode") ?? "payment"
    if (mode !== "payment" && mode !== "setup" && mode !== "subscription") throw invalidRequest("Invalid mode", "mode")
    const customer = optionalString(params, "customer")
    if (customer !== undefined) getCustomer(store, customer, "customer")
    const id = store.id("cs_test")
    const session = {
      id,
      object: "checkout.session",
      client_reference_id: optionalString(params, "client_reference_id") ?? null,
      created: store.now(),
      customer: customer ?? null,
      livemode: false,
      metadata: metadataOf(params, {}),
      mode,
      payment_intent: null,
      payment_status: mode === "setup" ? "no_payment_required" : "unpaid",
      setup_intent: null,
      status: "open",
      subscription: null,
      success_url: optionalString(params, "success_url") ?? null,
      url: `https://checkout.stripe.com/c/pay/${id}`
    } as unknown as Stripe.Checkout.Session
    store.checkoutSessions.set(id, session)
    return ok(session)
  }),
  route("GET", "/v1/checkout/sessions/:id", ({ path, store }) => ok(getSession(store, path.id))),
  route("POST", "/_fake/checkout/sessions/:id/complete", ({ emit, path, store }) => {
    const session = getSession(store, path.id)
    if (session.status !== "open") throw invalidRequest(`This Checkout Session is ${session.status}.`, "id")
    const done: Stripe.Checkout.Session = {
      ...session,
      status: "complete",
      payment_status: session.mode === "setup" ? "no_payment_required" : "paid",
      url: null
    }
    store.checkoutSessions.set(done.id, done)
    emit("checkout.session.completed", done)
    return ok(done)
  })
]
