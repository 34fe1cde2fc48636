/** `/v1/refunds`: a refund of a succeeded charge (by `payment_intent` or `charge`), whole or part. */
import type Stripe from "stripe"
import { getCharge } from "./charges.js"
import { invalidRequest, noSuch } from "./errors.js"
import { metadataOf, optionalInteger, optionalString } from "./params.js"
import { getPaymentIntent } from "./paymentIntents.js"
import { ok, route, type Route } from "./routing.js"

export const refundRoutes: ReadonlyArray<Route> = [
  route("POST", "/v1/refunds", ({ emit, params, store }) => {
    const intentId = optionalString(params, "payment_intent")
    const chargeId = optionalString(params, "charge") ??
      (intentId === undefined ? undefined : (getPaymentIntent(store, intentId).latest_charge as string | null) ?? undefined)
    if (chargeId === undefined) {
      throw intentId === undefined
        ? invalidRequest("One of the following params should be provided for this request: payment_intent or charge.", "charge", "parameter_missing")
        : invalidRequest("This PaymentIntent does not have a successful charge to refund.", "payment_intent", "charge_not_refundable")
    }
    const charge = getCharge(store, chargeId, "charge")
    if (charge.status !== "succeeded") throw invalidRequest(`Charge ${charge.id} has not been captured and cannot be refunded.`, "charge", "charge_not_refundable")
    const remaining = charge.amount - charge.amount_refunded
    if (remaining === 0) throw invalidRequest(`Charge ${charge.id} has already been refunded.`, "charge", "charge_already_refunded")
    const amount = optionalInteger(params, "amount") ?? remaining
    if (amount < 1) throw invalidRequest("Invalid positive integer", "amount", "parameter_invalid_integer")
    if (amount > remaining) {
      throw invalidRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        "amount",
        "amount_too_large"
      )
    }
    const refund: Stripe.Refund = {
      id: store.id("re"),
      object: "refund",
      amount,
      balance_transaction: store.id("txn"),
      charge: charge.id,
      created: store.now(),
      currency: charge.currency,
      customer: charge.customer,
      customer_account: null,
      destination_details: { type: "card", card: { type: "refund" } } as Stripe.Refund.DestinationDetails,
      metadata: metadataOf(params),
      payment_intent: charge.payment_intent,
      payment_method: charge.payment_method,
      reason: (optionalString(params, "reason") ?? null) as Stripe.Refund.Reason | null,
      receipt_number: null,
      source_transfer_reversal: null,
      status: "succeeded",
      transfer_reversal: null
    }
    store.refunds.set(refund.id, refund)
    const refunds = charge.refunds ?? { object: "list" as const, data: [], has_more: false, url: `/v1/charges/${charge.id}/refunds` }
    const refunded: Stripe.Charge = {
      ...charge,
      amount_refunded: charge.amount_refunded + amount,
      refunded: charge.amount_refunded + amount === charge.amount,
      refunds: { ...refunds, data: [refund, ...refunds.data] }
    }
    store.charges.set(charge.id, refunded)
    emit("refund.created", refund)
    emit("charge.refunded", refunded)
    return ok(refund)
  }),
  route("GET", "/v1/refunds/:id", ({ path, store }) => {
    const refund = store.refunds.get(path.id)
    if (refund === undefined) throw noSuch("refund", path.id)
    return ok(refund)
  })
]
