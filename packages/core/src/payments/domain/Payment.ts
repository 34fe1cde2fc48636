/** Payments of invoices through the payment provider, and refunds of them. */
import { Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { InputAmount, MinorAmount } from "../../kernel/Money.js"
import { Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"
import { providerLinkFields } from "../../kernel/ProviderLink.js"

/**
 * `pending`: the attempt is committed and the provider was (or is about to be) asked with its
 * idempotency key; the outcome is not recorded yet. The billing loop resumes it with that key.
 */
export const PaymentStatus = Schema.Literal("pending", "succeeded", "failed", "requires_action", "disputed")
export type PaymentStatus = typeof PaymentStatus.Type

/**
 * A dispute (chargeback) of a succeeded payment, as the provider last reported it. While it is
 * open, and once lost, the payment is `disputed`; a won dispute makes it `succeeded` again. The
 * invoice stays paid either way (the provider keeps it paid; see docs/stripe.md "Disputes").
 */
export const PaymentDispute = Schema.Struct({
  /** The provider's dispute (`dp_…`). */
  id: Schema.String,
  /** Minor units disputed (what the bank took back while it is open or lost). */
  amount: MinorAmount,
  reason: Schema.String,
  /** The provider's status: `warning_needs_response`, `needs_response`, `under_review`, `won`, `lost`, … */
  status: Schema.String
}).annotations({ identifier: "PaymentDispute" })
export type PaymentDispute = typeof PaymentDispute.Type

export const Payment = Schema.Struct({
  id: Id("payment"),
  object: Schema.Literal("payment"),
  customer: Schema.String,
  invoice: Schema.NullOr(Schema.String),
  amount: MinorAmount,
  currency: Currency,
  status: PaymentStatus,
  paymentMethod: wire("payment_method", Schema.NullOr(Schema.String)),
  failureCode: wire("failure_code", Schema.NullOr(Schema.String)),
  failureMessage: wire("failure_message", Schema.NullOr(Schema.String)),
  amountRefunded: wire("amount_refunded", MinorAmount),
  providerRef: wire("provider_ref", Schema.NullOr(Schema.String)),
  /** The invoice's payment attempt this is (1, 2, …); null on records from before attempts. */
  attempt: Schema.optionalWith(Schema.NullOr(Schema.Int), { default: () => null }),
  /** `<invoice id>:attempt-<n>`: what the provider was asked with, so that it charges once. */
  idempotencyKey: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }).pipe(Schema.fromKey("idempotency_key")),
  /** Where the customer completes authentication while the payment `requires_action`. */
  nextActionUrl: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }).pipe(Schema.fromKey("next_action_url")),
  /** Charged by Billkit itself (at finalize, or a dunning retry): only these enter dunning when they fail. */
  automatic: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** The payment's dispute, if the provider reported one (`charge.dispute.*`). */
  dispute: Schema.optionalWith(Schema.NullOr(PaymentDispute), { default: () => null }),
  ...providerLinkFields,
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Payment" })
export type Payment = typeof Payment.Type

export const Refund = Schema.Struct({
  id: Id("refund"),
  object: Schema.Literal("refund"),
  payment: Schema.String,
  customer: Schema.String,
  invoice: Schema.NullOr(Schema.String),
  amount: MinorAmount,
  currency: Currency,
  reason: Schema.NullOr(Schema.String),
  /** `pending` until the provider's answer is recorded; the refund's id is its idempotency key. */
  status: Schema.Literal("pending", "succeeded", "failed"),
  providerRef: wire("provider_ref", Schema.NullOr(Schema.String)),
  ...providerLinkFields,
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Refund" })
export type Refund = typeof Refund.Type

export const RefundCreate = Schema.Struct({
  amount: Schema.optional(InputAmount.pipe(Schema.positive({ message: () => "must be a positive integer of minor units" }))),
  currency: Schema.optional(Currency),
  reason: optionalWire("reason", Schema.String.pipe(Schema.maxLength(500)))
}).annotations({ identifier: "RefundCreate", ...strict })
export type RefundCreate = typeof RefundCreate.Type

/** What a charge for an invoice says on the provider's side (the same for every attempt). */
export const chargeDescription = (invoice: { readonly id: string; readonly number: string | null }): string =>
  `Invoice ${invoice.number ?? invoice.id}`
