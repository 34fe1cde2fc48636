/**
 * The payment-provider port on Stripe. A Stripe customer per Billkit customer, made when the first
 * card is stored (with Billkit's id in its metadata and an idempotency key derived from it, so
 * two first cards at once make one customer); cards as PaymentMethods attached to it; invoice
 * charges as off-session PaymentIntents sent with the committed attempt's idempotency key; refunds
 * with the refund's id as key. Declines are outcomes; network trouble is a defect, which leaves
 * Billkit's record pending until it is resumed with the same key.
 */
import {
  type ChargeOutcome,
  IdempotencyKeyReused,
  PaymentMethodRejected,
  type PaymentProviderService,
  type ProviderCustomerRef,
  type RefundOutcome
} from "@billkit/core"
import { Effect } from "effect"
import Stripe from "stripe"
import { makeStripeClient, type StripeClientOptions } from "./StripeClient.js"
import { cardOf, failureCodeOf, idOf, makeStripeWebhooks, outcomeOf } from "./webhooks/StripeWebhooks.js"

export interface StripeProviderOptions extends Partial<StripeClientOptions> {
  /** A client of your own (its API version should be `stripeApiVersion`); else one is made from `secretKey`. */
  readonly client?: Stripe
  /**
   * Where Stripe sends the customer back after 3-D Secure. With it a charge that needs
   * authentication answers `requires_action` with Stripe's page as `next_action_url`; without it
   * the URL is null and your front end completes the PaymentIntent with Stripe.js.
   */
  readonly returnUrl?: string
  /**
   * The signing secret (`whsec_…`) of the Stripe webhook endpoint pointing at
   * `/v1/providers/stripe/webhook/default`; without it that endpoint answers 404.
   */
  readonly webhookSecret?: string
}

/** The key a Stripe customer is made with: one Billkit customer, one Stripe customer (a new one after a deletion). */
export const customerKey = (customerId: string, replaces?: string) =>
  replaces === undefined ? `billkit-customer:${customerId}` : `billkit-customer:${customerId}:replaces:${replaces}`

const isStripeError = (error: unknown): error is Stripe.errors.StripeError => error instanceof Stripe.errors.StripeError

export const makeStripePaymentProvider = (options: StripeProviderOptions): PaymentProviderService => {
  const stripe = options.client ?? makeStripeClient({ ...options, secretKey: options.secretKey ?? "" })

  /** The customer's Stripe customer, made on first use. */
  const stripeCustomer = async (customer: ProviderCustomerRef): Promise<string> => {
    if (customer.providerRef !== null) return customer.providerRef
    const made = await stripe.customers.create(
      { email: customer.email, name: customer.name ?? undefined, metadata: { billkit_customer: customer.id } },
      { idempotencyKey: customerKey(customer.id, customer.replaces) }
    )
    return made.id
  }

  /** `pm_…` (a real id or a test placeholder), `tok_…` or a succeeded `seti_…` → a PaymentMethod. */
  const paymentMethodOf = async (token: string): Promise<Stripe.PaymentMethod | string> => {
    if (token.startsWith("seti_")) {
      const intent = await stripe.setupIntents.retrieve(token)
      if (intent.status !== "succeeded") throw new PaymentMethodRejected({ message: `SetupIntent ${token} is ${intent.status}, not succeeded` })
      return idOf(intent.payment_method)!
    }
    if (token.startsWith("tok_")) return stripe.paymentMethods.create({ type: "card", card: { token } })
    return token
  }

  const createPaymentMethod: PaymentProviderService["createPaymentMethod"] = (token, customer) =>
    Effect.tryPromise({
      try: async () => {
        const customerRef = customer === undefined ? undefined : await stripeCustomer(customer)
        const found = await paymentMethodOf(token)
        const method = typeof found === "string" && !found.startsWith("pm_card_") ? await stripe.paymentMethods.retrieve(found) : found
        const attached = customerRef === undefined || (typeof method !== "string" && idOf(method.customer) === customerRef)
          ? method
          : await stripe.paymentMethods.attach(typeof method === "string" ? method : method.id, { customer: customerRef })
        if (typeof attached === "string") return cardOf(await stripe.paymentMethods.retrieve(attached), customerRef)
        return cardOf(attached, customerRef)
      },
      catch: (error) => error
    }).pipe(
      Effect.catchAll((error) =>
        error instanceof PaymentMethodRejected
          ? Effect.fail(error)
          : isStripeError(error) && (error.type === "StripeCardError" || error.type === "StripeInvalidRequestError")
          ? Effect.fail(new PaymentMethodRejected({ message: error.message }))
          : Effect.die(error)
      )
    )

  const charge: PaymentProviderService["charge"] = (request) =>
    Effect.tryPromise({
      try: async (): Promise<ChargeOutcome> => {
        // The card's customer: an off-session PaymentIntent must name it.
        const method = await stripe.paymentMethods.retrieve(request.providerRef)
        try {
          const intent = await stripe.paymentIntents.create(
            {
              amount: request.amount,
              currency: request.currency.toLowerCase(),
              customer: idOf(method.customer),
              payment_method: method.id,
              off_session: true,
              confirm: true,
              description: request.description,
              metadata: { billkit_idempotency_key: request.idempotencyKey }
            },
            { idempotencyKey: request.idempotencyKey }
          )
          return outcomeOf(intent)
        } catch (error) {
          if (!isStripeError(error) || error.type !== "StripeCardError") throw error
          const intent = error.payment_intent
          if (error.code === "authentication_required" && intent !== undefined) {
            // Bring the customer back on session: confirming again yields the 3-D Secure page.
            const confirmed = await stripe.paymentIntents.confirm(
              intent.id,
              { payment_method: method.id, ...(options.returnUrl === undefined ? {} : { return_url: options.returnUrl }) },
              { idempotencyKey: `${request.idempotencyKey}:authenticate` }
            )
            return outcomeOf(confirmed)
          }
          return {
            status: "failed",
            providerRef: intent?.id ?? request.idempotencyKey,
            failureCode: failureCodeOf(error),
            failureMessage: error.message
          }
        }
      },
      catch: (error) => error
    }).pipe(
      Effect.catchAll((error) =>
        isStripeError(error) && error.type === "StripeIdempotencyError"
          ? Effect.fail(new IdempotencyKeyReused({ idempotencyKey: request.idempotencyKey, message: error.message }))
          : Effect.die(error)
      )
    )

  const refund: PaymentProviderService["refund"] = (request) =>
    Effect.tryPromise({
      try: async (): Promise<RefundOutcome> => {
        try {
          const made = await stripe.refunds.create(
            {
              ...(request.providerPaymentRef.startsWith("ch_")
                ? { charge: request.providerPaymentRef }
                : { payment_intent: request.providerPaymentRef }),
              amount: request.amount,
              metadata: { billkit_refund: request.idempotencyKey }
            },
            { idempotencyKey: request.idempotencyKey }
          )
          return { providerRef: made.id, status: made.status === "failed" || made.status === "canceled" ? "failed" : "succeeded" }
        } catch (error) {
          // Stripe refused the refund itself (already refunded, more than is left): nothing moved.
          if (isStripeError(error) && error.type === "StripeInvalidRequestError") {
            return { providerRef: request.idempotencyKey, status: "failed" }
          }
          throw error
        }
      },
      catch: (error) => error
    }).pipe(
      Effect.catchAll((error) =>
        isStripeError(error) && error.type === "StripeIdempotencyError"
          ? Effect.fail(new IdempotencyKeyReused({ idempotencyKey: request.idempotencyKey, message: error.message }))
          : Effect.die(error)
      )
    )

  const webhooks = options.webhookSecret === undefined ? undefined : makeStripeWebhooks(stripe, options.webhookSecret)

  return { name: "stripe", createPaymentMethod, charge, refund, ...(webhooks === undefined ? {} : { webhooks }) }
}
