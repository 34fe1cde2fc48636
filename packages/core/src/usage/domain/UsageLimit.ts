/**
 * Usage limits and the customer views of usage: aggregated usage, estimated costs, entitlements.
 *
 * A usage limit compares the estimated usage cost of the customer's current period (in its
 * currency) with its `amount`. When the estimate reaches it (≥), `WARNING` emits
 * `usage_limit.warning` and `DISABLE` emits `usage_limit.disabled`, each once per period (the
 * period is recorded on the limit). While a `DISABLE` limit is reached, the customer's
 * entitlements read `disabled: true`; the next period, or deleting the limit for a higher one,
 * lifts it.
 */
import { Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { AggregationMethod } from "../../catalog/domain/index.js"
import { InputAmount, MinorAmount } from "../../kernel/Money.js"
import { Timestamp, integerRange, strict, wire } from "../../kernel/Wire.js"
import { maxAmount } from "../../kernel/Bounds.js"

const LimitAction = Schema.Literal("WARNING", "DISABLE").annotations({ identifier: "UsageLimitAction" })
type LimitAction = typeof LimitAction.Type

export const UsageLimit = Schema.Struct({
  id: Id("usageLimit"),
  object: Schema.Literal("usage_limit"),
  customer: Schema.String,
  amount: MinorAmount,
  currency: Currency,
  action: LimitAction,
  status: Schema.Literal("active", "deleted"),
  /** The start of the period in which the limit last fired: it fires once per period. */
  triggeredPeriodStart: wire("triggered_period_start", Schema.NullOr(Timestamp)),
  triggeredAt: wire("triggered_at", Schema.NullOr(Timestamp)),
  createdAt: wire("created_at", Timestamp),
  deletedAt: wire("deleted_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "UsageLimit" })
export type UsageLimit = typeof UsageLimit.Type

export const UsageLimitCreate = Schema.Struct({
  amount: InputAmount.pipe(Schema.greaterThanOrEqualTo(1, { message: () => "must be at least 1 minor unit" })).annotations(integerRange(1, maxAmount)),
  currency: Schema.optional(Currency.annotations({ description: "Default: the currency of the customer's live subscriptions." })),
  action: LimitAction
}).annotations({ identifier: "UsageLimitCreate", ...strict })
export type UsageLimitCreate = typeof UsageLimitCreate.Type

const PeriodView = Schema.Struct({ start: Timestamp, end: Timestamp }).annotations({ identifier: "UsagePeriod" })

const MetricUsage = Schema.Struct({
  metric: Schema.String,
  code: Schema.String,
  name: Schema.String,
  aggregationMethod: wire("aggregation_method", AggregationMethod),
  value: Schema.String.annotations({
    description: "The aggregate, a decimal string. Over several periods: count, sum and unique_count add up (distinct values per period), max and latest take the largest and latest, weighted_sum is time-weighted over all of them."
  }),
  periods: Schema.Array(Schema.Struct({ start: Timestamp, end: Timestamp, value: Schema.String }))
}).annotations({ identifier: "MetricUsage" })

export const CustomerUsage = Schema.Struct({
  object: Schema.Literal("customer_usage"),
  customer: Schema.String,
  data: Schema.Array(MetricUsage)
}).annotations({ identifier: "CustomerUsage" })
export type CustomerUsage = typeof CustomerUsage.Type

const CostLineView = Schema.Struct({
  subscription: Schema.String,
  price: Schema.String,
  metric: Schema.String,
  code: Schema.String,
  currency: Currency,
  quantity: Schema.String,
  amount: Schema.Int.annotations({ description: "Estimated charge in minor units, rounded once." }),
  period: PeriodView
}).annotations({ identifier: "UsageCostLine" })

export const CustomerCosts = Schema.Struct({
  object: Schema.Literal("customer_costs"),
  customer: Schema.String,
  lines: Schema.Array(CostLineView),
  totals: Schema.Array(Schema.Struct({ currency: Currency, amount: Schema.Int, period: PeriodView }))
}).annotations({ identifier: "CustomerCosts" })
export type CustomerCosts = typeof CustomerCosts.Type

export const Entitlement = Schema.Struct({
  object: Schema.Literal("entitlement"),
  feature: Schema.String,
  code: Schema.String,
  name: Schema.String,
  limit: Schema.NullOr(Schema.Int).annotations({ description: "The highest limit any of the plans sets; null when none limits it." }),
  plans: Schema.Array(Schema.String),
  subscriptions: Schema.Array(Schema.String),
  disabled: Schema.Boolean.annotations({ description: "True while a DISABLE usage limit of the customer is reached this period." })
}).annotations({ identifier: "Entitlement" })
export type Entitlement = typeof Entitlement.Type

export const CustomerEntitlements = Schema.Struct({
  object: Schema.Literal("customer_entitlements"),
  customer: Schema.String,
  disabled: Schema.Boolean,
  data: Schema.Array(Entitlement)
}).annotations({ identifier: "CustomerEntitlements" })
export type CustomerEntitlements = typeof CustomerEntitlements.Type
