/** Charges: made by confirming a PaymentIntent, read by `/v1/charges/:id`. */
import type Stripe from "stripe"
import { noSuch } from "./errors.js"
import { ok, route, type Route } from "./routing.js"
import type { FakeStripeStore } from "./store.js"

export interface ChargeFailure {
  readonly code: string
  readonly message: string
  readonly declineCode: string
}

export const makeCharge = (
  store: FakeStripeStore,
  intent: Stripe.PaymentIntent,
  method: Stripe.PaymentMethod,
  failure?: ChargeFailure
): Stripe.Charge => {
  const id = store.id("ch")
  const card = method.card!
  const charge: Stripe.Charge = {
    id,
    object: "charge",
    amount: intent.amount,
    amount_captured: failure ? 0 : intent.amount,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: failure ? null : store.id("txn"),
    billing_details: method.billing_details,
    calculated_statement_descriptor: "BILLKIT",
    captured: failure === undefined,
    created: store.now(),
    currency: intent.currency,
    customer: intent.customer,
    description: intent.description,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: intent.metadata,
    on_behalf_of: null,
    outcome: {
      advice_code: null,
      network_advice_code: null,
      network_decline_code: null,
      network_status: failure ? "declined_by_network" : "approved_by_network",
      reason: failure?.declineCode ?? null,
      risk_level: "normal",
      seller_message: failure ? "The bank did not return any further details with this decline." : "Payment complete.",
      type: failure ? "issuer_declined" : "authorized"
    },
    paid: failure === undefined,
    payment_intent: intent.id,
    payment_method: method.id,
    payment_method_details: {
      type: "card",
      card: {
        amount_authorized: failure ? null : intent.amount,
        authorization_code: null,
        brand: card.brand,
        checks: card.checks,
        country: card.country,
        electronic_commerce_indicator: null,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        fingerprint: card.fingerprint,
        funding: card.funding,
        installments: null,
        last4: card.last4,
        mandate: null,
        network: card.brand,
        network_token: { used: false },
        network_transaction_id: null,
        regulated_status: card.regulated_status,
        three_d_secure: null,
        transaction_link_id: null,
        wallet: null
      }
    },
    presentment_details: undefined,
    radar_options: undefined,
    receipt_email: null,
    receipt_number: null,
    receipt_url: null,
    refunded: false,
    refunds: { object: "list", data: [], has_more: false, url: `/v1/charges/${id}/refunds` },
    review: null,
    shipping: null,
    source: null,
    source_transfer: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: failure ? "failed" : "succeeded",
    transfer_data: null,
    transfer_group: null
  }
  store.charges.set(id, charge)
  return charge
}

export const getCharge = (store: FakeStripeStore, id: string, param = "id"): Stripe.Charge => {
  const charge = store.charges.get(id)
  if (charge === undefined) throw noSuch("charge", id, param)
  return charge
}

export const chargeRoutes: ReadonlyArray<Route> = [
  route("GET", "/v1/charges/:id", ({ path, store }) => ok(getCharge(store, path.id)))
]
