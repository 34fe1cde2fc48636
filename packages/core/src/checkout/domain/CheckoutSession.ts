/**
 * A hosted checkout session: what the buyer is about to subscribe to, priced when the session is
 * created, and its outcome once paid. The session's token (in its page URL) is stored only as a
 * SHA-256 hash, like API keys.
 */
import { Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { MinorAmount } from "../../kernel/Money.js"
import { integerRange, Email, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"

/** How long a checkout page stays usable (house standard: 24 h). */
export const checkoutLifetimeMs = 24 * 60 * 60 * 1000

const HttpUrl = Schema.String.pipe(
  Schema.maxLength(2000),
  Schema.filter((s) => {
    try {
      const url = new URL(s)
      return url.protocol === "https:" || url.protocol === "http:" || "must be an http(s) URL"
    } catch {
      return "must be an absolute URL"
    }
  })
).annotations({ description: "An absolute http(s) URL." })

const Seats = Schema.Int.pipe(Schema.between(1, 10_000, { message: () => "must be a whole number from 1 to 10000" })).annotations(integerRange(1, 10_000))

export const CheckoutLineInput = Schema.Struct({
  plan: Schema.optional(Schema.String),
  price: Schema.optional(Schema.String),
  seats: Schema.optional(Seats)
}).annotations({ identifier: "CheckoutLineInput", ...strict, description: "A plan (its price in the session's currency) or a price of a plan." })

export const CheckoutSessionCreate = Schema.Struct({
  customer: Schema.optional(Schema.String),
  email: Schema.optional(Email),
  lines: Schema.Array(CheckoutLineInput).pipe(Schema.minItems(1), Schema.maxItems(10)),
  successUrl: wire("success_url", HttpUrl),
  cancelUrl: wire("cancel_url", HttpUrl),
  currency: Schema.optional(Currency),
  locale: Schema.optional(Schema.String.pipe(Schema.minLength(2), Schema.maxLength(20), Schema.pattern(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, {
    message: () => "must be a BCP 47 language tag such as en or de-DE"
  })))
}).annotations({ identifier: "CheckoutSessionCreate", ...strict })
export type CheckoutSessionCreate = typeof CheckoutSessionCreate.Type

export const CheckoutLine = Schema.Struct({
  plan: Schema.String,
  price: Schema.String,
  description: Schema.String,
  seats: Schema.Int,
  /** Whether the plan bills per seat (else seats are a count of users, billed once). */
  perSeat: wire("per_seat", Schema.Boolean),
  /** Per seat, in the price's own tax convention. */
  unitAmount: wire("unit_amount", MinorAmount),
  includingTax: wire("including_tax", Schema.Boolean),
  /** How often it renews: week, month or year. */
  interval: Schema.String,
  /** Days of trial before the first charge (0: charged at once). */
  trialDays: wire("trial_days", Schema.Int)
}).annotations({ identifier: "CheckoutLine" })
export type CheckoutLine = typeof CheckoutLine.Type

export const CheckoutStatus = Schema.Literal("open", "processing", "complete", "expired")
export type CheckoutStatus = typeof CheckoutStatus.Type

/** The totals the page shows, for the voucher applied (if any). */
export const CheckoutTotals = Schema.Struct({
  subTotal: wire("sub_total", MinorAmount),
  discountTotal: wire("discount_total", MinorAmount),
  taxTotal: wire("tax_total", MinorAmount),
  total: MinorAmount
}).annotations({ identifier: "CheckoutTotals" })
export type CheckoutTotals = typeof CheckoutTotals.Type

const fields = {
  id: Id("checkoutSession"),
  object: Schema.Literal("checkout_session"),
  status: CheckoutStatus,
  customer: Schema.NullOr(Schema.String),
  email: Schema.NullOr(Schema.String),
  currency: Currency,
  locale: Schema.String,
  lines: Schema.Array(CheckoutLine),
  taxRate: wire("tax_rate", Schema.BigDecimal),
  voucher: Schema.NullOr(Schema.String).annotations({ description: "The voucher code the buyer applied." }),
  ...CheckoutTotals.fields,
  successUrl: wire("success_url", Schema.String),
  cancelUrl: wire("cancel_url", Schema.String),
  subscriptions: Schema.Array(Schema.String),
  invoices: Schema.Array(Schema.String),
  expiresAt: wire("expires_at", Timestamp),
  createdAt: wire("created_at", Timestamp),
  completedAt: wire("completed_at", Schema.NullOr(Timestamp))
}

/** A session as stored: with the hash of its page token. */
export const StoredCheckoutSession = Schema.Struct({ ...fields, tokenHash: wire("token_hash", Schema.String) })
export type StoredCheckoutSession = typeof StoredCheckoutSession.Type

/** A session as the API shows it; `url` only in the answer that creates it (the token is kept hashed). */
export const CheckoutSession = Schema.Struct({ ...fields, url: Schema.NullOr(Schema.String) })
  .annotations({ identifier: "CheckoutSession" })
export type CheckoutSession = typeof CheckoutSession.Type

export const toPublicSession = ({ tokenHash: _, ...session }: StoredCheckoutSession, url: string | null = null): CheckoutSession =>
  ({ ...session, url })

/** What the buyer submits on the page. */
export const CheckoutSubmission = Schema.Struct({
  email: Email,
  voucher: optionalWire("voucher", Schema.String.pipe(Schema.maxLength(100))),
  cardToken: wire("card_token", Schema.String.pipe(Schema.minLength(1), Schema.maxLength(200)))
})
export type CheckoutSubmission = typeof CheckoutSubmission.Type
