/** The wire shapes of the analytics answers: one series per currency, one point per interval. */
import { Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { InstantParam } from "../../kernel/Instant.js"
import { Timestamp } from "../../kernel/Wire.js"

export const SeriesInterval = Schema.Literal("day", "week", "month")

/** The query every analytics series takes. */
export const SeriesParams = {
  from: Schema.optional(InstantParam.annotations({ description: "Start (ISO 8601 or Unix seconds); defaults to 30 days, 12 weeks or 12 months before `to`." })),
  to: Schema.optional(InstantParam.annotations({ description: "End, inclusive (ISO 8601 or Unix seconds); defaults to now." })),
  interval: Schema.optional(SeriesInterval.annotations({ description: "`day`, `week` (ISO, from Monday) or `month` (default), in UTC." })),
  currency: Schema.optional(Currency.annotations({ description: "Only this currency." }))
}

const Span = {
  start: Timestamp,
  end: Timestamp
}

const header = <O extends string>(object: O) => ({
  object: Schema.Literal(object),
  interval: SeriesInterval,
  from: Timestamp,
  to: Timestamp
})

const perCurrency = <P extends Schema.Schema.Any>(point: P) =>
  Schema.Array(Schema.Struct({ currency: Currency, points: Schema.Array(point) }))

export const MrrPoint = Schema.Struct({
  ...Span,
  mrr: Schema.Int.annotations({ description: "MRR at the end of the interval (as of `to` for the last), minor units: ARR ÷ 12 rounded half away from zero." }),
  arr: Schema.Int.annotations({ description: "Annual run rate at the same instant, minor units, exact." })
}).annotations({ identifier: "MrrPoint" })

export const MrrSeries = Schema.Struct({ ...header("mrr_series"), data: perCurrency(MrrPoint) }).annotations({ identifier: "MrrSeries" })
export const ArrSeries = Schema.Struct({ ...header("arr_series"), data: perCurrency(MrrPoint) }).annotations({ identifier: "ArrSeries" })

export const MovementSubscription = Schema.Struct({
  subscription: Schema.String,
  customer: Schema.String,
  mrr: Schema.Int,
  arr: Schema.Int
}).annotations({ identifier: "MovementSubscription" })

export const Movement = Schema.Struct({
  mrr: Schema.Int,
  arr: Schema.Int,
  count: Schema.Int.annotations({ description: "Ledger entries behind the movement (complete)." }),
  subscriptions: Schema.Array(MovementSubscription).annotations({
    description: "The entries behind the movement, one per change of a subscription; only those among the first 250 entries of the window, from its start (see `subscriptions_complete`)."
  })
}).annotations({ identifier: "Movement" })

export const MovementPoint = Schema.Struct({
  ...Span,
  mrr_start: Schema.Int,
  mrr_end: Schema.Int,
  arr_start: Schema.Int,
  arr_end: Schema.Int,
  new: Movement,
  expansion: Movement,
  contraction: Movement,
  churn: Movement,
  reactivation: Movement,
  net: Schema.Struct({ mrr: Schema.Int, arr: Schema.Int })
}).annotations({ identifier: "MovementPoint" })

export const MovementSeries = Schema.Struct({
  ...header("mrr_movements"),
  subscriptions_complete: Schema.Boolean.annotations({
    description: "False when the window holds more than 250 ledger entries: the `subscriptions` lists then stop there (counts and sums stay complete; the `mrr_movements` report lists every entry)."
  }),
  data: perCurrency(MovementPoint)
}).annotations({ identifier: "MovementSeries" })

const Rate = Schema.NullOr(Schema.String).annotations({ description: "A percentage with two decimals (\"4.17\"), or null when nothing was there to churn." })

export const ChurnPoint = Schema.Struct({
  ...Span,
  customers_start: Schema.Int,
  customers_churned: Schema.Int,
  customer_churn_rate: Rate,
  mrr_start: Schema.Int,
  churn_mrr: Schema.Int,
  contraction_mrr: Schema.Int,
  expansion_mrr: Schema.Int,
  reactivation_mrr: Schema.Int,
  gross_revenue_churn_rate: Rate,
  net_revenue_churn_rate: Rate
}).annotations({ identifier: "ChurnPoint" })

export const ChurnSeries = Schema.Struct({ ...header("churn_series"), data: perCurrency(ChurnPoint) }).annotations({ identifier: "ChurnSeries" })

export const CustomersPoint = Schema.Struct({
  ...Span,
  customers_start: Schema.Int,
  new: Schema.Int,
  reactivated: Schema.Int,
  churned: Schema.Int,
  net: Schema.Int,
  customers_end: Schema.Int
}).annotations({ identifier: "CustomersPoint" })

export const CustomersSeries = Schema.Struct({ ...header("customers_series"), data: perCurrency(CustomersPoint) }).annotations({ identifier: "CustomersSeries" })

export const RevenuePoint = Schema.Struct({
  ...Span,
  payments: Schema.Int.annotations({ description: "Succeeded payments created in the interval, minor units." }),
  refunds: Schema.Int.annotations({ description: "Succeeded refunds created in the interval, minor units." }),
  net: Schema.Int
}).annotations({ identifier: "RevenuePoint" })

export const RevenueSeries = Schema.Struct({ ...header("revenue_series"), data: perCurrency(RevenuePoint) }).annotations({ identifier: "RevenueSeries" })

export const MrrBackfill = Schema.Struct({
  object: Schema.Literal("mrr_backfill"),
  subscriptions: Schema.Int.annotations({ description: "Subscriptions looked at." }),
  backfilled: Schema.Int.annotations({ description: "Subscriptions that had no ledger and got one." }),
  entries: Schema.Int.annotations({ description: "Ledger entries written." })
}).annotations({ identifier: "MrrBackfill" })
