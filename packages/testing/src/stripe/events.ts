/**
 * `/v1/events`: every event the fake emitted, newest first; and the fake's dispute controls
 * (`/_fake/charges/:id/dispute`, `/_fake/disputes/:id/close`), which stand in for a cardholder
 * and their bank since Stripe's API cannot open a dispute.
 */
import type Stripe from "stripe"
import { getCharge } from "./charges.js"
import { invalidRequest, noSuch } from "./errors.js"
import { optionalString } from "./params.js"
import { ok, route, type Route } from "./routing.js"

export const eventRoutes: ReadonlyArray<Route> = [
  route("GET", "/v1/events/:id", ({ path, store }) => {
    const event = store.events.get(path.id)
    if (event === undefined) throw noSuch("event", path.id)
    return ok(event)
  }),
  route("GET", "/v1/events", ({ store }) => {
    const list: Stripe.ApiList<Stripe.Event> = { object: "list", data: [...store.events.values()].reverse(), has_more: false, url: "/v1/events" }
    return ok(list)
  }),
  route("GET", "/v1/disputes/:id", ({ path, store }) => {
    const dispute = store.disputes.get(path.id)
    if (dispute === undefined) throw noSuch("dispute", path.id)
    return ok(dispute)
  }),
  route("POST", "/_fake/charges/:id/dispute", ({ emit, params, path, store }) => {
    const charge = getCharge(store, path.id)
    if (charge.status !== "succeeded") throw invalidRequest("Only a succeeded charge can be disputed.", "charge")
    const dispute: Stripe.Dispute = {
      id: store.id("dp"),
      object: "dispute",
      amount: charge.amount - charge.amount_refunded,
      balance_transactions: [],
      charge: charge.id,
      created: store.now(),
      currency: charge.currency,
      enhanced_eligibility_types: [],
      evidence: {} as Stripe.Dispute.Evidence,
      evidence_details: {} as Stripe.Dispute.EvidenceDetails,
      intended_submission_method: null,
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: charge.payment_intent,
      reason: optionalString(params, "reason") ?? "fraudulent",
      status: "needs_response"
    }
    store.disputes.set(dispute.id, dispute)
    store.charges.set(charge.id, { ...charge, disputed: true })
    emit("charge.dispute.created", dispute)
    return ok(dispute)
  }),
  route("POST", "/_fake/disputes/:id/close", ({ emit, params, path, store }) => {
    const dispute = store.disputes.get(path.id)
    if (dispute === undefined) throw noSuch("dispute", path.id)
    const status = optionalString(params, "status") ?? "lost"
    if (status !== "won" && status !== "lost") throw invalidRequest("status must be won or lost", "status")
    const closed: Stripe.Dispute = { ...dispute, status }
    store.disputes.set(closed.id, closed)
    emit("charge.dispute.closed", closed)
    return ok(closed)
  })
]
