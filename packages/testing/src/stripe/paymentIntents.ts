/**
 * `/v1/payment_intents`: create (optionally confirming), retrieve, confirm, cancel; plus the fake's
 * 3-D Secure page (`/_fake/authenticate/:id`) that stands in for the customer's bank.
 *
 * As on Stripe: a decline answers 402 `card_error` naming the PaymentIntent, which is left in
 * `requires_payment_method` with `last_payment_error`; a card that needs authentication fails an
 * off-session confirm with `authentication_required`, and an on-session confirm leaves the intent
 * in `requires_action` with a `redirect_to_url` (given a `return_url`) or `use_stripe_sdk`.
 */
import type Stripe from "stripe"
import { makeCharge, type ChargeFailure } from "./charges.js"
import { getCustomer } from "./customers.js"
import { cardError, FakeStripeError, invalidRequest, noSuch } from "./errors.js"
import {
  metadataOf,
  optionalBoolean,
  optionalString,
  requiredInteger,
  requiredString,
  type Params
} from "./params.js"
import { resolvePaymentMethod } from "./paymentMethods.js"
import { ok, route, type Route, type RouteContext } from "./routing.js"
import type { FakeStripeStore } from "./store.js"

export const getPaymentIntent = (store: FakeStripeStore, id: string): Stripe.PaymentIntent => {
  const intent = store.paymentIntents.get(id)
  if (intent === undefined) throw noSuch("payment_intent", id)
  return intent
}

const save = (store: FakeStripeStore, intent: Stripe.PaymentIntent): Stripe.PaymentIntent => {
  store.paymentIntents.set(intent.id, intent)
  return intent
}

const lastError = (
  failure: ChargeFailure,
  method: Stripe.PaymentMethod,
  charge: string | undefined
): Stripe.PaymentIntent.LastPaymentError => ({
  type: "card_error",
  code: failure.code,
  decline_code: failure.declineCode,
  message: failure.message,
  doc_url: `https://stripe.com/docs/error-codes/${failure.code.replace(/_/g, "-")}`,
  ...(charge ? { charge } : {}),
  payment_method: method
})

const succeed = (context: RouteContext, intent: Stripe.PaymentIntent, method: Stripe.PaymentMethod): Stripe.PaymentIntent => {
  const charge = makeCharge(context.store, intent, method)
  const done = save(context.store, {
    ...intent,
    status: "succeeded",
    amount_received: intent.amount,
    latest_charge: charge.id,
    payment_method: method.id,
    last_payment_error: null,
    next_action: null
  })
  context.emit("charge.succeeded", charge)
  context.emit("payment_intent.succeeded", done)
  return done
}

/** Declines: the charge fails, the intent waits for another payment method, 402 names it. */
const decline = (
  context: RouteContext,
  intent: Stripe.PaymentIntent,
  method: Stripe.PaymentMethod,
  failure: ChargeFailure,
  withCharge: boolean
): never => {
  const charge = withCharge ? makeCharge(context.store, intent, method, failure) : undefined
  const failed = save(context.store, {
    ...intent,
    status: "requires_payment_method",
    payment_method: null,
    latest_charge: charge?.id ?? intent.latest_charge,
    last_payment_error: lastError(failure, method, charge?.id),
    next_action: null
  })
  if (charge) context.emit("charge.failed", charge)
  context.emit("payment_intent.payment_failed", failed)
  throw cardError(failure.code, failure.declineCode, failure.message, {
    payment_intent: failed,
    payment_method: method,
    ...(charge ? { charge: charge.id } : {})
  } as never)
}

const confirm = (context: RouteContext, intent: Stripe.PaymentIntent, params: Params): Stripe.PaymentIntent => {
  if (!["requires_payment_method", "requires_confirmation", "requires_action"].includes(intent.status)) {
    throw new FakeStripeError(400, {
      type: "invalid_request_error",
      code: "payment_intent_unexpected_state",
      message: `This PaymentIntent's status is ${intent.status}, so it cannot be confirmed.`,
      payment_intent: intent
    })
  }
  const reference = optionalString(params, "payment_method") ??
    (typeof intent.payment_method === "string" ? intent.payment_method : intent.payment_method?.id)
  if (reference === undefined) {
    throw invalidRequest(
      "You cannot confirm this PaymentIntent because it's missing a payment method. Update the payment method and then confirm again.",
      "payment_method",
      "payment_intent_unexpected_state"
    )
  }
  const method = resolvePaymentMethod(context.store, reference)
  if (method.customer !== null && intent.customer !== null && method.customer !== intent.customer) {
    throw invalidRequest(
      `The provided PaymentMethod belongs to another customer than the PaymentIntent's.`,
      "payment_method"
    )
  }
  const offSession = optionalBoolean(params, "off_session") ?? false
  const returnUrl = optionalString(params, "return_url")
  const behaviour = context.store.behaviours.get(method.id) ?? { kind: "succeeds" as const }
  const pending = { ...intent, payment_method: method.id }
  switch (behaviour.kind) {
    case "succeeds":
      return succeed(context, pending, method)
    case "declines":
      return decline(context, pending, method, behaviour, true)
    case "authenticates": {
      if (offSession) {
        return decline(context, pending, method, {
          code: "authentication_required",
          declineCode: "authentication_required",
          message: "Your card was declined. This transaction requires authentication."
        }, false)
      }
      const nextAction: Stripe.PaymentIntent.NextAction = returnUrl
        ? {
          type: "redirect_to_url",
          redirect_to_url: { url: `${context.baseUrl}/_fake/authenticate/${intent.id}`, return_url: returnUrl }
        }
        : { type: "use_stripe_sdk", use_stripe_sdk: { type: "three_d_secure_redirect", stripe_js: `${context.baseUrl}/_fake/authenticate/${intent.id}` } }
      const waiting = save(context.store, { ...pending, status: "requires_action", next_action: nextAction, last_payment_error: null })
      context.emit("payment_intent.requires_action", waiting)
      return waiting
    }
  }
}

export const paymentIntentRoutes: ReadonlyArray<Route> = [
  route("POST", "/v1/payment_intents", (context) => {
    const { params, store } = context
    const amount = requiredInteger(params, "amount")
    if (amount < 1) throw invalidRequest("This value must be greater than or equal to 1.", "amount", "parameter_invalid_integer")
    const currency = requiredString(params, "currency").toLowerCase()
    const customerId = optionalString(params, "customer")
    if (customerId !== undefined) getCustomer(store, customerId, "customer")
    const offSession = optionalBoolean(params, "off_session")
    const doConfirm = optionalBoolean(params, "confirm") ?? false
    if (offSession !== undefined && !doConfirm) {
      throw invalidRequest("You may only specify `off_session` when confirming the PaymentIntent (confirm=true).", "off_session")
    }
    const reference = optionalString(params, "payment_method")
    const method = reference === undefined ? undefined : resolvePaymentMethod(store, reference)
    const id = store.id("pi")
    const intent = save(store, {
      id,
      object: "payment_intent",
      amount,
      allowed_payment_method_types: null,
      amount_capturable: 0,
      amount_received: 0,
      application: null,
      application_fee_amount: null,
      automatic_payment_methods: null,
      canceled_at: null,
      cancellation_reason: null,
      capture_method: "automatic",
      client_secret: `${id}_secret_${store.id("s").slice(2)}`,
      confirmation_method: "automatic",
      created: store.now(),
      currency,
      customer: customerId ?? null,
      customer_account: null,
      description: optionalString(params, "description") ?? null,
      excluded_payment_method_types: null,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      managed_payments: null,
      metadata: metadataOf(params),
      next_action: null,
      on_behalf_of: null,
      payment_method: method?.id ?? null,
      payment_method_configuration_details: null,
      payment_method_options: {},
      payment_method_types: ["card"],
      payment_record: null,
      processing: null,
      receipt_email: null,
      review: null,
      setup_future_usage: null,
      shipping: null,
      source: null,
      statement_descriptor: null,
      statement_descriptor_suffix: null,
      status: method ? "requires_confirmation" : "requires_payment_method",
      transfer_data: null,
      transfer_group: null
    })
    context.emit("payment_intent.created", intent)
    return ok(doConfirm ? confirm(context, intent, params) : intent)
  }),
  route("GET", "/v1/payment_intents/:id", ({ path, store }) => ok(getPaymentIntent(store, path.id))),
  route("POST", "/v1/payment_intents/:id/confirm", (context) =>
    ok(confirm(context, getPaymentIntent(context.store, context.path.id), context.params))),
  route("POST", "/v1/payment_intents/:id/cancel", (context) => {
    const intent = getPaymentIntent(context.store, context.path.id)
    if (intent.status === "succeeded" || intent.status === "canceled") {
      throw new FakeStripeError(400, {
        type: "invalid_request_error",
        code: "payment_intent_unexpected_state",
        message: `You cannot cancel this PaymentIntent because it has a status of ${intent.status}.`,
        payment_intent: intent
      })
    }
    const reason = optionalString(context.params, "cancellation_reason") ?? null
    const canceled = save(context.store, {
      ...intent,
      status: "canceled",
      canceled_at: context.store.now(),
      cancellation_reason: reason as Stripe.PaymentIntent.CancellationReason | null,
      next_action: null
    })
    context.emit("payment_intent.canceled", canceled)
    return ok(canceled)
  }),
  /**
   * The customer at their bank's 3-D Secure page: `?outcome=fail` refuses, anything else
   * authenticates and charges. Redirects to the intent's `return_url` like Stripe's page does.
   */
  route("GET", "/_fake/authenticate/:id", (context) => {
    const intent = getPaymentIntent(context.store, context.path.id)
    if (intent.status !== "requires_action") throw invalidRequest(`The PaymentIntent is ${intent.status}, nothing to authenticate.`)
    const method = context.store.paymentMethods.get(intent.payment_method as string)!
    let result: Stripe.PaymentIntent
    if (context.params.outcome === "fail") {
      result = save(context.store, {
        ...intent,
        status: "requires_payment_method",
        payment_method: null,
        next_action: null,
        last_payment_error: {
          type: "invalid_request_error",
          code: "payment_intent_authentication_failure",
          message: "The provided PaymentMethod has failed authentication.",
          payment_method: method
        }
      })
      context.emit("payment_intent.payment_failed", result)
    } else {
      result = succeed(context, intent, method)
    }
    const back = intent.next_action?.redirect_to_url?.return_url
    if (back) {
      const url = new URL(back)
      url.searchParams.set("payment_intent", result.id)
      return { status: 302, redirect: url.toString() }
    }
    return ok(result)
  })
]
