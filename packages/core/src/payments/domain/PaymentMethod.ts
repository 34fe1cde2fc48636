/**
 * Payment methods: a customer's cards, stored at the payment provider and known here by their
 * reference there. One active method per customer is the default, the one invoices are charged
 * to. Detaching keeps the record (payments keep pointing at it) with status `detached`.
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Timestamp, strict, wire } from "../../kernel/Wire.js"

export const PaymentMethodStatus = Schema.Literal("active", "detached")

export const PaymentMethod = Schema.Struct({
  id: Id("paymentMethod"),
  object: Schema.Literal("payment_method"),
  customer: Schema.String,
  type: Schema.Literal("card"),
  brand: Schema.String,
  last4: Schema.String,
  expMonth: wire("exp_month", Schema.Int),
  expYear: wire("exp_year", Schema.Int),
  isDefault: wire("is_default", Schema.Boolean),
  status: PaymentMethodStatus,
  providerRef: wire("provider_ref", Schema.String.annotations({ description: "The payment method's id at the payment provider." })),
  createdAt: wire("created_at", Timestamp),
  detachedAt: wire("detached_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "PaymentMethod" })
export type PaymentMethod = typeof PaymentMethod.Type

export const PaymentMethodAttach = Schema.Struct({
  token: Schema.String.pipe(
    Schema.nonEmptyString({ message: () => "must not be empty" }),
    Schema.maxLength(255)
  ).annotations({
    description: "A provider token completed in the browser. With the fake provider: `tok_visa`, `tok_mastercard`, " +
      "`tok_chargeDeclined`, `tok_insufficientFunds`, `tok_threeDSecure`."
  })
}).annotations({ identifier: "PaymentMethodAttach", ...strict })
export type PaymentMethodAttach = typeof PaymentMethodAttach.Type
