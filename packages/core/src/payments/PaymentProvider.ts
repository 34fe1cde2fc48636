/**
 * The payment provider port: where card details become a reusable payment method, and where
 * charges and refunds happen. The fake provider in core (the default, no network) implements it;
 * a host passes its own with `billkit({ paymentProvider })` (`@billkit/stripe` is one). Failures
 * that a retry or another card could fix are outcomes (`failed`, `requires_action`), not errors;
 * infrastructure failures are defects.
 *
 * Every money-moving call carries an idempotency key derived from a record Billkit committed
 * before calling (house rule 8): the same key must move money at most once and answer with the
 * first outcome; the same key with a different body is refused (`IdempotencyKeyReused`).
 */
import { Context, Data } from "effect"
import type { Effect } from "effect"

/** The provider refused the token (unknown, expired, already used): a 422 on `token`. */
export class PaymentMethodRejected extends Data.TaggedError("PaymentMethodRejected")<{
  readonly message: string
}> {}

/**
 * The provider saw this idempotency key before with a different body (amount, currency, payment
 * method): nothing was charged or refunded. A bug in the caller, never an outcome.
 */
export class IdempotencyKeyReused extends Data.TaggedError("IdempotencyKeyReused")<{
  readonly idempotencyKey: string
  readonly message: string
}> {}

/**
 * The Billkit customer a payment method is stored for. A provider that keeps customers of its own
 * (Stripe) makes one when first needed and answers its reference as `providerCustomerRef`; Billkit
 * keeps it and passes it back as `providerRef` from then on.
 */
export interface ProviderCustomerRef {
  readonly id: string
  readonly email: string
  readonly name: string | null
  /** The customer's reference at the provider; null until the provider made one. */
  readonly providerRef: string | null
  /**
   * The provider customer this one replaces, deleted at the provider (`customer.deleted`): a new
   * one is made, under an idempotency key of its own.
   */
  readonly replaces?: string
}

/** A card the provider stored, by its reference there. */
export interface ProviderPaymentMethod {
  readonly providerRef: string
  /** The provider's customer the card is attached to, for providers that have customers. */
  readonly providerCustomerRef?: string
  readonly brand: string
  readonly last4: string
  readonly expMonth: number
  readonly expYear: number
}

export interface ChargeRequest {
  /** The payment method's `providerRef`. */
  readonly providerRef: string
  /** Minor units, > 0. */
  readonly amount: number
  readonly currency: string
  readonly description: string
  /** The same key charges once, however often it is retried. */
  readonly idempotencyKey: string
}

export type ChargeOutcome =
  | { readonly status: "succeeded"; readonly providerRef: string }
  | { readonly status: "failed"; readonly providerRef: string; readonly failureCode: string; readonly failureMessage: string }
  | {
    readonly status: "requires_action"
    readonly providerRef: string
    /** Where the customer completes the authentication (3-D Secure), when the provider gives one. */
    readonly nextActionUrl?: string | null
  }

export interface RefundRequest {
  /** The `providerRef` of the succeeded charge. */
  readonly providerPaymentRef: string
  /** Minor units, > 0. */
  readonly amount: number
  readonly currency: string
  /** The same key refunds once, however often it is retried (Billkit uses the refund's id). */
  readonly idempotencyKey: string
}

export interface RefundOutcome {
  readonly providerRef: string
  readonly status: "succeeded" | "failed"
}

export interface PaymentProviderService {
  /** `stripe`, `fake`, …: recorded with the provider customers Billkit keeps. */
  readonly name?: string
  /**
   * Turns a token completed in the browser (`tok_visa`; with Stripe also a `pm_…` or a succeeded
   * `seti_…`) into a payment method stored for `customer`.
   */
  readonly createPaymentMethod: (
    token: string,
    customer?: ProviderCustomerRef
  ) => Effect.Effect<ProviderPaymentMethod, PaymentMethodRejected>
  readonly charge: (request: ChargeRequest) => Effect.Effect<ChargeOutcome, IdempotencyKeyReused>
  readonly refund: (request: RefundRequest) => Effect.Effect<RefundOutcome, IdempotencyKeyReused>
  /** Inbound webhooks from the provider, for providers that send them (`@billkit/stripe` with `webhookSecret`). */
  readonly webhooks?: ProviderWebhooks
}

/** The signature on an inbound webhook is missing, wrong or too old: a 400, nothing changed. */
export class WebhookSignatureInvalid extends Data.TaggedError("WebhookSignatureInvalid")<{
  readonly message: string
}> {}

/** An inbound provider event, verified; only what Billkit acts on. */
export interface ProviderEventIn {
  readonly id: string
  readonly type: string
  readonly livemode: boolean
  /** The id of the event's object (`pi_…`, `ch_…`, `dp_…`, `pm_…`). */
  readonly objectId: string
  /** The object's customer before this change (`payment_method.detached`), from the signed payload. */
  readonly previousCustomer: string | null
  /**
   * The provider customer the object names (signed payload), to find the tenant by; never its
   * state, which is read back.
   */
  readonly customer: string | null
  /**
   * The idempotency key Billkit charged with, from the object's metadata (a PaymentIntent's
   * `billkit_idempotency_key`): finds a payment whose answer Billkit never recorded, which has no
   * `provider_ref` yet.
   */
  readonly idempotencyKey?: string | null
}

/** A dispute as the provider has it now. */
export interface ProviderDisputeIn {
  readonly providerRef: string
  /** The disputed payment's `providerRef` (`pi_…`), or its charge's when it has no PaymentIntent. */
  readonly paymentRef: string
  readonly customer: string | null
  readonly amount: number
  readonly reason: string
  readonly status: string
}

/** A SetupIntent as the provider has it now: the card it saved, for which provider customer. */
export interface ProviderSetupIn {
  readonly status: string
  readonly customer: string | null
  readonly method: ProviderPaymentMethod | null
}

/**
 * The provider's side of inbound webhooks. Core never trusts a payload's state: it verifies the
 * signature here, then re-reads the object's current state, so deliveries late, duplicated or out
 * of order all lead to the same end.
 */
export interface ProviderWebhooks {
  /** Verifies `payload` (the exact bytes received) against `signature` (tolerance 300 s). */
  readonly verify: (payload: string, signature: string) => Effect.Effect<ProviderEventIn, WebhookSignatureInvalid>
  /** The charge's current outcome at the provider, by its `providerRef` (`pi_…`). */
  readonly readCharge: (providerRef: string) => Effect.Effect<ChargeOutcome>
  /** The customer a payment method (`pm_…`) is attached to now; null when detached. */
  readonly readPaymentMethodCustomer: (providerRef: string) => Effect.Effect<string | null>
  /** A charge (`ch_…`) read back: the payment's `providerRef` (`pi_…`) and every refund of it. */
  readonly readChargeRefunds: (chargeRef: string) => Effect.Effect<{
    readonly paymentRef: string
    readonly refunds: ReadonlyArray<ProviderRefundIn>
  }>
  /** A dispute (`dp_…`) read back. */
  readonly readDispute: (disputeRef: string) => Effect.Effect<ProviderDisputeIn>
  /** A SetupIntent (`seti_…`) read back. */
  readonly readSetup: (setupRef: string) => Effect.Effect<ProviderSetupIn>
  /** Whether the provider's customer (`cus_…`) is deleted now. */
  readonly readCustomerDeleted: (customerRef: string) => Effect.Effect<boolean>
}

/** A refund as the provider has it; `billkitRefund` is set when Billkit made it (its refund's id). */
export interface ProviderRefundIn {
  readonly providerRef: string
  readonly amount: number
  readonly status: "succeeded" | "pending" | "failed"
  readonly billkitRefund: string | null
}

export class PaymentProvider extends Context.Tag("@billkit/core/PaymentProvider")<PaymentProvider, PaymentProviderService>() {}
