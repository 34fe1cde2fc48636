/**
 * Inbound Stripe webhooks on the SDK: the signature checked with `webhooks.constructEvent`
 * (tolerance 300 s), and every object Billkit acts on read back from Stripe with the account's
 * own client, so that core decides on Stripe's current state, never on a payload. Used by the
 * provider (`webhookSecret`, endpoint `default`) and by each connection (`makeStripeAccounts`).
 * Network trouble reading back is a defect: the delivery answers 500 and Stripe sends it again.
 */
import {
  type ChargeOutcome, type ProviderDisputeIn, type ProviderPaymentMethod, type ProviderSetupIn,
  type ProviderWebhooks, WebhookSignatureInvalid
} from "@billkit/core"
import { Effect } from "effect"
import Stripe from "stripe"

/** Stripe signs each delivery with a timestamp; older than this is refused (a replay). */
export const webhookToleranceSeconds = 300

export const idOf = (value: string | { readonly id: string } | null | undefined): string | undefined =>
  value === null || value === undefined ? undefined : typeof value === "string" ? value : value.id

/** Stripe's `generic_decline` reads as Billkit's `card_declined`; other decline codes are kept. */
export const failureCodeOf = (error: { readonly code?: string; readonly decline_code?: string }) =>
  error.decline_code !== undefined && error.decline_code !== "generic_decline" ? error.decline_code : (error.code ?? "card_declined")

export const cardOf = (method: Stripe.PaymentMethod, customer: string | undefined): ProviderPaymentMethod => ({
  providerRef: method.id,
  brand: method.card?.brand ?? method.type,
  last4: method.card?.last4 ?? "0000",
  expMonth: method.card?.exp_month ?? 12,
  expYear: method.card?.exp_year ?? 2099,
  ...(customer === undefined ? {} : { providerCustomerRef: customer })
})

/** A PaymentIntent's state as a charge outcome: canceled reads as failed (`failure_code` `canceled`). */
export const outcomeOf = (intent: Stripe.PaymentIntent): ChargeOutcome => {
  switch (intent.status) {
    case "succeeded":
      return { status: "succeeded", providerRef: intent.id }
    case "requires_action":
    case "processing":
      return { status: "requires_action", providerRef: intent.id, nextActionUrl: intent.next_action?.redirect_to_url?.url ?? null }
    default: {
      const error = intent.last_payment_error
      return {
        status: "failed",
        providerRef: intent.id,
        failureCode: error ? failureCodeOf({ code: error.code, decline_code: error.decline_code }) : intent.status,
        failureMessage: error?.message ?? `The PaymentIntent is ${intent.status}.`
      }
    }
  }
}

export const makeStripeWebhooks = (stripe: Stripe, webhookSecret: string): ProviderWebhooks => {
  const read = <A>(call: () => Promise<A>) => Effect.promise(call)

  const readDispute = (disputeRef: string) =>
    Effect.gen(function*() {
      const dispute = yield* read(() => stripe.disputes.retrieve(disputeRef))
      const chargeRef = idOf(dispute.charge)!
      const charge = yield* read(() => stripe.charges.retrieve(chargeRef))
      const found: ProviderDisputeIn = {
        providerRef: dispute.id,
        paymentRef: idOf(dispute.payment_intent) ?? chargeRef,
        customer: idOf(charge.customer) ?? null,
        amount: dispute.amount,
        reason: dispute.reason,
        status: dispute.status
      }
      return found
    })

  const readSetup = (setupRef: string) =>
    Effect.gen(function*() {
      const intent = yield* read(() => stripe.setupIntents.retrieve(setupRef))
      const customer = idOf(intent.customer) ?? null
      const methodRef = idOf(intent.payment_method)
      const method = methodRef === undefined ? null : yield* read(() => stripe.paymentMethods.retrieve(methodRef))
      const found: ProviderSetupIn = {
        status: intent.status,
        customer,
        // Only a card still attached to the SetupIntent's customer is theirs to store.
        method: method === null || idOf(method.customer) !== customer ? null : cardOf(method, customer ?? undefined)
      }
      return found
    })

  return {
    verify: (payload, signature) =>
      Effect.try({
        try: () => {
          const event = stripe.webhooks.constructEvent(payload, signature, webhookSecret, webhookToleranceSeconds)
          const object = event.data.object as {
            readonly id?: string
            readonly object?: string
            readonly customer?: string | { readonly id: string } | null
            readonly metadata?: Readonly<Record<string, string>> | null
          }
          const previous = (event.data as { readonly previous_attributes?: { readonly customer?: string | { readonly id: string } | null } }).previous_attributes
          return {
            id: event.id,
            type: event.type,
            livemode: event.livemode,
            objectId: object.id ?? "",
            previousCustomer: idOf(previous?.customer) ?? null,
            customer: object.object === "customer" ? (object.id ?? null) : (idOf(object.customer) ?? null),
            idempotencyKey: object.metadata?.billkit_idempotency_key ?? null
          }
        },
        catch: (error) => new WebhookSignatureInvalid({ message: error instanceof Error ? error.message : String(error) })
      }),
    readCharge: (providerRef) => Effect.map(read(() => stripe.paymentIntents.retrieve(providerRef)), outcomeOf),
    readPaymentMethodCustomer: (providerRef) =>
      Effect.map(read(() => stripe.paymentMethods.retrieve(providerRef)), (method) => idOf(method.customer) ?? null),
    readChargeRefunds: (chargeRef) =>
      Effect.map(read(() => stripe.charges.retrieve(chargeRef, { expand: ["refunds"] })), (charge) => ({
        paymentRef: idOf(charge.payment_intent) ?? charge.id,
        refunds: (charge.refunds?.data ?? []).map((r) => ({
          providerRef: r.id,
          amount: r.amount,
          status: r.status === "succeeded" ? "succeeded" as const : r.status === "pending" ? "pending" as const : "failed" as const,
          billkitRefund: r.metadata?.billkit_refund ?? null
        }))
      })),
    readDispute,
    readSetup,
    readCustomerDeleted: (customerRef) =>
      read(() => stripe.customers.retrieve(customerRef)).pipe(
        Effect.map((customer) => (customer as { readonly deleted?: boolean }).deleted === true)
      )
  }
}
