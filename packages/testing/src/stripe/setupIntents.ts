/**
 * `/v1/setup_intents`: how a browser saves a card for later (Stripe.js confirms with the client
 * secret). Confirming attaches the payment method to the intent's customer.
 */
import type Stripe from "stripe"
import { getCustomer } from "./customers.js"
import { cardError, FakeStripeError, invalidRequest, noSuch } from "./errors.js"
import { metadataOf, optionalBoolean, optionalString, type Params } from "./params.js"
import { attach, resolvePaymentMethod } from "./paymentMethods.js"
import { ok, route, type Route, type RouteContext } from "./routing.js"

const getSetupIntent = (context: RouteContext, id: string): Stripe.SetupIntent => {
  const intent = context.store.setupIntents.get(id)
  if (intent === undefined) throw noSuch("setup_intent", id)
  return intent
}

const confirm = (context: RouteContext, intent: Stripe.SetupIntent, params: Params): Stripe.SetupIntent => {
  if (intent.status !== "requires_payment_method" && intent.status !== "requires_confirmation") {
    throw new FakeStripeError(400, {
      type: "invalid_request_error",
      code: "setup_intent_unexpected_state",
      message: `This SetupIntent's status is ${intent.status}, so it cannot be confirmed.`,
      setup_intent: intent
    })
  }
  const reference = optionalString(params, "payment_method") ?? (intent.payment_method as string | null) ?? undefined
  if (reference === undefined) throw invalidRequest("You cannot confirm this SetupIntent because it's missing a payment method.", "payment_method")
  let method = resolvePaymentMethod(context.store, reference)
  const behaviour = context.store.behaviours.get(method.id)
  if (behaviour?.kind === "declines") {
    const failed: Stripe.SetupIntent = {
      ...intent,
      status: "requires_payment_method",
      last_setup_error: { type: "card_error", code: behaviour.code, decline_code: behaviour.declineCode, message: behaviour.message, payment_method: method }
    }
    context.store.setupIntents.set(intent.id, failed)
    context.emit("setup_intent.setup_failed", failed)
    throw cardError(behaviour.code, behaviour.declineCode, behaviour.message, { setup_intent: failed })
  }
  if (intent.customer !== null) method = attach(context.store, method, intent.customer as string)
  const done: Stripe.SetupIntent = { ...intent, status: "succeeded", payment_method: method.id, last_setup_error: null }
  context.store.setupIntents.set(intent.id, done)
  context.emit("setup_intent.succeeded", done)
  return done
}

export const setupIntentRoutes: ReadonlyArray<Route> = [
  route("POST", "/v1/setup_intents", (context) => {
    const { params, store } = context
    const customerId = optionalString(params, "customer")
    if (customerId !== undefined) getCustomer(store, customerId, "customer")
    const id = store.id("seti")
    const reference = optionalString(params, "payment_method")
    const intent: Stripe.SetupIntent = {
      id,
      object: "setup_intent",
      allowed_payment_method_types: null,
      application: null,
      automatic_payment_methods: null,
      cancellation_reason: null,
      client_secret: `${id}_secret_${store.id("s").slice(2)}`,
      created: store.now(),
      customer: customerId ?? null,
      customer_account: null,
      description: optionalString(params, "description") ?? null,
      excluded_payment_method_types: null,
      flow_directions: null,
      last_setup_error: null,
      latest_attempt: null,
      livemode: false,
      mandate: null,
      metadata: metadataOf(params),
      next_action: null,
      on_behalf_of: null,
      payment_method: reference === undefined ? null : resolvePaymentMethod(store, reference).id,
      payment_method_configuration_details: null,
      payment_method_options: null,
      payment_method_types: ["card"],
      single_use_mandate: null,
      status: reference === undefined ? "requires_payment_method" : "requires_confirmation",
      usage: optionalString(params, "usage") ?? "off_session"
    }
    store.setupIntents.set(id, intent)
    context.emit("setup_intent.created", intent)
    return ok(optionalBoolean(params, "confirm") ? confirm(context, intent, params) : intent)
  }),
  route("GET", "/v1/setup_intents/:id", (context) => ok(getSetupIntent(context, context.path.id))),
  route("POST", "/v1/setup_intents/:id/confirm", (context) =>
    ok(confirm(context, getSetupIntent(context, context.path.id), context.params)))
]
