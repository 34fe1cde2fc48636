/**
 * Subscriptions: a customer on a plan at one licensed price (per plan or per seat), billed in
 * advance each period, with the plan's usage prices in the same currency billed in arrears.
 */
import { Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { InstantInput } from "../../kernel/Instant.js"
import { Metadata } from "../../kernel/Metadata.js"
import { SignedMinorAmount } from "../../kernel/Money.js"
import { integerRange, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"
import { providerLinkFields } from "../../kernel/ProviderLink.js"

export const SubscriptionStatus = Schema.Literal(
  "trialing",
  "active",
  "past_due",
  "unpaid",
  "paused",
  "canceled",
  "incomplete"
)
export type SubscriptionStatus = typeof SubscriptionStatus.Type

/** Statuses in which a subscription still grants its plan (entitlements) and renews. */
export const liveStatuses: ReadonlyArray<SubscriptionStatus> = ["trialing", "active", "past_due"]

export const Interval = Schema.Literal("week", "month", "year")

export const Proration = Schema.Literal("create_prorations", "always_invoice", "none")
export type Proration = typeof Proration.Type
export const When = Schema.Literal("instantly", "next_cycle")
export type When = typeof When.Type
export const CancelWhen = Schema.Literal("end_of_period", "instantly", "specific_date")
export type CancelWhen = typeof CancelWhen.Type
export const RefundType = Schema.Literal("none", "full", "prorate")
export type RefundType = typeof RefundType.Type

/** A change of plan, price or seats that takes effect at the next period start. */
export const ScheduledChange = Schema.Struct({
  plan: Schema.String,
  price: Schema.String,
  seats: Schema.Int,
  effectiveAt: wire("effective_at", Timestamp)
}).annotations({ identifier: "ScheduledChange" })
export type ScheduledChange = typeof ScheduledChange.Type

/**
 * What was paid for the licensed price over [since, current_period_end): `amount` net of
 * discounts in the price's tax convention (the most a credit for unused time gives back),
 * `total` with tax (the most a prorated refund gives back). Refunds and credit notes on the
 * `invoices` that paid it lower both, so a partly refunded period credits less.
 */
export const Prepaid = Schema.Struct({
  since: Timestamp,
  amount: SignedMinorAmount,
  total: SignedMinorAmount,
  taxRate: wire("tax_rate", Schema.BigDecimal),
  includingTax: wire("including_tax", Schema.Boolean),
  invoices: Schema.Array(Schema.String)
}).annotations({ identifier: "Prepaid" })
export type Prepaid = typeof Prepaid.Type

export const ManagedBy = Schema.Literal("billkit", "stripe").annotations({
  description: "Who bills the subscription: `billkit`, or `stripe` for an imported mirror (read-only until migrated)."
})
export type ManagedBy = typeof ManagedBy.Type

/**
 * Moving an imported subscription off Stripe Billing (`POST /v1/subscriptions/{id}/migrate`):
 * `scheduled` once Billkit has committed to take over `at` (the end of the last period Stripe
 * billed), `confirmed` once Stripe has been told to end its subscription at that instant,
 * `completed` once the billing loop has taken it over there.
 */
export const MigrationStatus = Schema.Literal("scheduled", "confirmed", "completed")
export type MigrationStatus = typeof MigrationStatus.Type

export const SubscriptionMigration = Schema.Struct({
  status: MigrationStatus,
  at: Timestamp,
  requestedAt: wire("requested_at", Timestamp),
  confirmedAt: wire("confirmed_at", Schema.NullOr(Timestamp)),
  completedAt: wire("completed_at", Schema.NullOr(Timestamp))
}).annotations({
  identifier: "SubscriptionMigration",
  description: "A move off Stripe Billing: at `at` Stripe's subscription ends and Billkit's first period starts. " +
    "`scheduled` (committed, Stripe not yet told), `confirmed` (Stripe's `cancel_at` set to `at`), `completed` (Billkit bills it)."
})
export type SubscriptionMigration = typeof SubscriptionMigration.Type

export const Subscription = Schema.Struct({
  id: Id("subscription"),
  object: Schema.Literal("subscription"),
  customer: Schema.String,
  plan: Schema.String,
  price: Schema.String,
  currency: Currency,
  interval: Interval,
  seats: Schema.Int,
  status: SubscriptionStatus,
  /** The instant periods are counted from: the start, the trial end, or an interval change. */
  billingAnchor: wire("billing_anchor", Timestamp),
  currentPeriodStart: wire("current_period_start", Timestamp),
  currentPeriodEnd: wire("current_period_end", Timestamp),
  trialStart: wire("trial_start", Schema.NullOr(Timestamp)),
  trialEnd: wire("trial_end", Schema.NullOr(Timestamp)),
  trialWillEndSent: wire("trial_will_end_sent", Schema.Boolean),
  cancelAtPeriodEnd: wire("cancel_at_period_end", Schema.Boolean),
  cancelAt: wire("cancel_at", Schema.NullOr(Timestamp)),
  cancelRefundType: wire("cancel_refund_type", Schema.NullOr(RefundType)),
  cancelComment: wire("cancel_comment", Schema.NullOr(Schema.String)),
  canceledAt: wire("canceled_at", Schema.NullOr(Timestamp)),
  endedAt: wire("ended_at", Schema.NullOr(Timestamp)),
  pausedAt: wire("paused_at", Schema.NullOr(Timestamp)),
  scheduledChange: wire("scheduled_change", Schema.NullOr(ScheduledChange)),
  prepaid: Schema.NullOr(Prepaid),
  paymentMethod: wire("payment_method", Schema.NullOr(Schema.String)),
  latestInvoice: wire("latest_invoice", Schema.NullOr(Schema.String)),
  metadata: Metadata,
  ...providerLinkFields,
  /**
   * `stripe`: an imported mirror that Stripe bills; read-only in Billkit and skipped by the
   * billing loop. Records from before imports read `billkit`.
   */
  managedBy: Schema.optionalWith(ManagedBy, { default: () => "billkit" as const }).pipe(Schema.fromKey("managed_by")),
  /** A move off Stripe Billing, once asked for; null otherwise (and on records from before migrations). */
  migration: Schema.optionalWith(Schema.NullOr(SubscriptionMigration), { default: () => null }),
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "Subscription" })
export type Subscription = typeof Subscription.Type

const Seats = Schema.Int.pipe(Schema.between(1, 1_000_000, { message: () => "must be a whole number from 1 to 1000000" })).annotations(integerRange(1, 1_000_000))
const TrialDays = Schema.Int.pipe(Schema.between(0, 730, { message: () => "must be a whole number of days from 0 to 730" })).annotations(integerRange(0, 730))

export const SubscriptionCreate = Schema.Struct({
  plan: Schema.String,
  price: Schema.optional(Schema.String),
  schedule: Schema.optional(Interval),
  currency: Schema.optional(Currency),
  seats: Schema.optional(Seats),
  trialLengthDays: optionalWire("trial_length_days", TrialDays),
  denyTrial: optionalWire("deny_trial", Schema.Boolean),
  paymentMethod: optionalWire("payment_method", Schema.String),
  cardToken: optionalWire("card_token", Schema.String),
  metadata: Schema.optional(Metadata)
}).annotations({ identifier: "SubscriptionCreate", ...strict })
export type SubscriptionCreate = typeof SubscriptionCreate.Type

export const SeatsChange = Schema.Struct({
  seats: Seats,
  proration: Schema.optional(Proration)
}).annotations({ identifier: "SeatsChange", ...strict })

export const PlanChange = Schema.Struct({
  plan: Schema.String,
  price: Schema.optional(Schema.String),
  when: Schema.optional(When),
  proration: Schema.optional(Proration)
}).annotations({ identifier: "PlanChange", ...strict })
export type PlanChange = typeof PlanChange.Type

export const PriceChange = Schema.Struct({
  price: Schema.String,
  when: Schema.optional(When),
  proration: Schema.optional(Proration)
}).annotations({ identifier: "PriceChange", ...strict })

export const Cancellation = Schema.Struct({
  when: Schema.optional(CancelWhen),
  date: Schema.optional(InstantInput),
  refundType: optionalWire("refund_type", RefundType),
  comment: Schema.optional(Schema.String.pipe(Schema.maxLength(1000)))
}).annotations({ identifier: "Cancellation", ...strict })
export type Cancellation = typeof Cancellation.Type

export const TrialConversion = Schema.Struct({
  price: Schema.optional(Schema.String)
}).annotations({ identifier: "TrialConversion", ...strict })
