/** Payments of invoices through the payment provider, and refunds of them. */
import { Schema } from "effect"
import { Currency } from "./Currency.js"
import { Id } from "./Ids.js"
import { InputAmount, MinorAmount } from "./Money.js"
import { Timestamp, optionalWire, strict, wire } from "./Wire.js"

export const PaymentStatus = Schema.Literal("succeeded", "failed", "requires_action")
export type PaymentStatus = typeof PaymentStatus.Type

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
  status: Schema.Literal("succeeded", "failed"),
  providerRef: wire("provider_ref", Schema.NullOr(Schema.String)),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Refund" })
export type Refund = typeof Refund.Type

export const RefundCreate = Schema.Struct({
  amount: Schema.optional(InputAmount.pipe(Schema.positive({ message: () => "must be a positive integer of minor units" }))),
  currency: Schema.optional(Currency),
  reason: optionalWire("reason", Schema.String.pipe(Schema.maxLength(500)))
}).annotations({ identifier: "RefundCreate", ...strict })
export type RefundCreate = typeof RefundCreate.Type
