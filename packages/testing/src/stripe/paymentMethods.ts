/**
 * `/v1/payment_methods`: create (from a test token), retrieve, attach, detach. Test placeholders
 * (`pm_card_visa`) passed where a payment method is expected become fresh `pm_…` objects, as on
 * Stripe. Attaching does not run a card check here; declines happen when the card is charged.
 */
import type Stripe from "stripe"
import { getCustomer } from "./customers.js"
import { invalidRequest, noSuch } from "./errors.js"
import { metadataOf, requiredString, type Params } from "./params.js"
import { ok, route, type Route } from "./routing.js"
import type { FakeStripeStore } from "./store.js"
import { testCardOf, type TestCard } from "./testCards.js"

const newPaymentMethod = (store: FakeStripeStore, card: TestCard, metadata: Record<string, string>): Stripe.PaymentMethod => {
  const id = store.id("pm")
  const method: Stripe.PaymentMethod = {
    id,
    object: "payment_method",
    allow_redisplay: "unspecified",
    billing_details: {
      address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
      email: null,
      name: null,
      phone: null,
      tax_id: null
    },
    card: {
      brand: card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: "pass" },
      country: "US",
      display_brand: card.brand,
      exp_month: 12,
      exp_year: new Date(store.now() * 1000).getUTCFullYear() + 5,
      fingerprint: `fp${card.last4}${card.brand}`.slice(0, 16),
      funding: "credit",
      generated_from: null,
      last4: card.last4,
      networks: { available: [card.brand], preferred: null },
      regulated_status: "unregulated",
      three_d_secure_usage: { supported: true },
      wallet: null
    },
    created: store.now(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata,
    type: "card"
  }
  store.paymentMethods.set(id, method)
  store.behaviours.set(id, card.behaviour)
  return method
}

/**
 * The payment method a request names: a stored `pm_…`, or a test placeholder turned into a new
 * one. Unknown ids answer Stripe's 404 on `param`.
 */
export const resolvePaymentMethod = (store: FakeStripeStore, reference: string, param = "payment_method"): Stripe.PaymentMethod => {
  const stored = store.paymentMethods.get(reference)
  if (stored !== undefined) return stored
  const card = testCardOf(reference)
  if (card !== undefined && reference.startsWith("pm_card_")) return newPaymentMethod(store, card, {})
  throw noSuch("PaymentMethod", reference, param)
}

const cardTokenOf = (params: Params): string | undefined => {
  const card = params.card
  if (typeof card !== "object" || card === null) return undefined
  const token = (card as Record<string, unknown>).token
  return typeof token === "string" ? token : undefined
}

export const attach = (store: FakeStripeStore, method: Stripe.PaymentMethod, customerId: string): Stripe.PaymentMethod => {
  if (method.customer !== null && method.customer !== customerId) {
    throw invalidRequest("The payment method you provided has already been attached to a customer.", undefined, "payment_method_unexpected_state")
  }
  const attached: Stripe.PaymentMethod = { ...method, customer: customerId }
  store.paymentMethods.set(method.id, attached)
  return attached
}

export const paymentMethodRoutes: ReadonlyArray<Route> = [
  route("POST", "/v1/payment_methods", ({ emit, params, store }) => {
    const type = requiredString(params, "type")
    if (type !== "card") throw invalidRequest(`The fake supports type=card only, not ${type}.`, "type")
    const token = cardTokenOf(params)
    const card = token === undefined ? undefined : testCardOf(token)
    if (token === undefined || card === undefined || !token.startsWith("tok_")) {
      throw token === undefined ? invalidRequest("Missing required param: card[token].", "card[token]", "parameter_missing") : noSuch("token", token, "card[token]")
    }
    const method = newPaymentMethod(store, card, metadataOf(params))
    emit("payment_method.created" as Stripe.Event.Type, method)
    return ok(method)
  }),
  route("GET", "/v1/payment_methods/:id", ({ path, store }) => {
    const method = store.paymentMethods.get(path.id)
    if (method === undefined) throw noSuch("PaymentMethod", path.id)
    return ok(method)
  }),
  route("POST", "/v1/payment_methods/:id/attach", ({ emit, params, path, store }) => {
    const customer = getCustomer(store, requiredString(params, "customer"), "customer")
    const method = attach(store, resolvePaymentMethod(store, path.id, "payment_method"), customer.id)
    emit("payment_method.attached", method)
    return ok(method)
  }),
  route("POST", "/v1/payment_methods/:id/detach", ({ emit, path, store }) => {
    const method = store.paymentMethods.get(path.id)
    if (method === undefined) throw noSuch("PaymentMethod", path.id)
    if (method.customer === null) {
      throw invalidRequest("The payment method you provided is not attached to a customer so detachment is impossible.", undefined, "payment_method_unexpected_state")
    }
    const detached: Stripe.PaymentMethod = { ...method, customer: null }
    store.paymentMethods.set(method.id, detached)
    const customer = store.customers.get(method.customer as string)
    if (customer !== undefined && customer.invoice_settings.default_payment_method === method.id) {
      store.customers.set(customer.id, { ...customer, invoice_settings: { ...customer.invoice_settings, default_payment_method: null } })
    }
    emit("payment_method.detached", detached, { customer: method.customer })
    return ok(detached)
  }),
  route("POST", "/v1/payment_methods/:id", ({ params, path, store }) => {
    const method = store.paymentMethods.get(path.id)
    if (method === undefined) throw noSuch("PaymentMethod", path.id)
    const updated: Stripe.PaymentMethod = { ...method, metadata: metadataOf(params, method.metadata ?? {}) }
    store.paymentMethods.set(method.id, updated)
    return ok(updated)
  })
]
