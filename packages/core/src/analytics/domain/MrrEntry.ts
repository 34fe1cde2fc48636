/**
 * The MRR ledger: one entry per change of a subscription's recurring value, appended in the same
 * transaction as the change, so history is read back, never recomputed from today's state. Each
 * subscription also has one state record: its ARR as last recorded, and whether it ever paid
 * (which tells a `new` subscription from a `reactivation`).
 */
import { Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { optionalWire, Timestamp, wire } from "../../kernel/Wire.js"
import { CustomerMove, MovementType } from "./Mrr.js"

export const MrrEntry = Schema.Struct({
  id: Id("mrrEntry"),
  object: Schema.Literal("mrr_entry"),
  subscription: Schema.String,
  customer: Schema.String,
  currency: Currency,
  /** When the change took effect: the subscription's `updated_at` as its writer set it. */
  at: Timestamp,
  type: Schema.Literal(...MovementType),
  /** The change of annual run rate, in minor units (exact): MRR × 12. 0 when writes at one instant cancelled out. */
  arrDelta: wire("arr_delta", Schema.Int),
  /** The subscription's annual run rate after the change. */
  arr: Schema.Int,
  /** What the subscription was on after the change (for audits and reports). */
  status: Schema.String,
  price: Schema.String,
  seats: Schema.Int,
  /** True for entries the backfill made from a subscription's state rather than from its writes. */
  backfilled: Schema.Boolean,
  /**
   * What the entry did to its customer in its currency: started paying for the first time, came
   * back, or stopped paying (null: none of these). Absent on entries written before the daily
   * rollups existed; the backfill fills it in.
   */
  customerMove: optionalWire("customer_move", Schema.NullOr(Schema.Literal(...CustomerMove)))
}).annotations({ identifier: "MrrEntry" })
export type MrrEntry = typeof MrrEntry.Type

export const MrrState = Schema.Struct({
  /** The subscription's id. */
  id: Schema.String,
  object: Schema.Literal("mrr_state"),
  customer: Schema.String,
  currency: Currency,
  arr: Schema.Int,
  /** Whether the subscription has ever counted as MRR. */
  paid: Schema.Boolean,
  /**
   * The latest entry, and what was before it: a command that writes a subscription several times
   * at one instant (created, billed, then incomplete until the payment lands) folds its writes
   * into that one entry, so only the net change of the instant is a movement.
   */
  lastEntry: wire("last_entry", Schema.NullOr(Schema.String)),
  lastAt: wire("last_at", Schema.NullOr(Timestamp)),
  arrBefore: wire("arr_before", Schema.Int),
  paidBefore: wire("paid_before", Schema.Boolean)
}).annotations({ identifier: "MrrState" })
export type MrrState = typeof MrrState.Type

const Tally = Schema.Struct({
  /** Σ ARR deltas, minor units, exact. */
  arr: Schema.Int,
  /** Ledger entries behind it. */
  count: Schema.Int
})

/**
 * The ledger of one currency on one UTC day, summed: written in the same transaction as each
 * entry (so it never lags the ledger), read instead of the entries by every analytics series.
 */
export const MrrDay = Schema.Struct({
  /** `md_<project>_<mode>_<currency>_<YYYY-MM-DD>`: one keyed (locking) read finds it. */
  id: Schema.String,
  object: Schema.Literal("mrr_day"),
  currency: Currency,
  /** The day's start, ISO. */
  day: Timestamp,
  movements: Schema.Struct({
    new: Tally,
    expansion: Tally,
    contraction: Tally,
    churn: Tally,
    reactivation: Tally
  }),
  customersNew: wire("customers_new", Schema.Int),
  customersReactivated: wire("customers_reactivated", Schema.Int),
  customersChurned: wire("customers_churned", Schema.Int)
}).annotations({ identifier: "MrrDay" })
export type MrrDay = typeof MrrDay.Type

/** Succeeded payments and refunds created on one UTC day, in one currency, minor units. */
export const RevenueDay = Schema.Struct({
  /** `rd_<project>_<mode>_<currency>_<YYYY-MM-DD>`. */
  id: Schema.String,
  object: Schema.Literal("revenue_day"),
  currency: Currency,
  day: Timestamp,
  payments: Schema.Int,
  refunds: Schema.Int
}).annotations({ identifier: "RevenueDay" })
export type RevenueDay = typeof RevenueDay.Type

/** A customer's ARR in one currency, as the ledger last left it: tells new, reactivated and churned customers apart. */
export const MrrCustomer = Schema.Struct({
  /** `mc_<customer>_<currency>`. */
  id: Schema.String,
  object: Schema.Literal("mrr_customer"),
  customer: Schema.String,
  currency: Currency,
  arr: Schema.Int,
  everPaid: wire("ever_paid", Schema.Boolean)
}).annotations({ identifier: "MrrCustomer" })
export type MrrCustomer = typeof MrrCustomer.Type
