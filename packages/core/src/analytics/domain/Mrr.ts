/**
 * Pure MRR math. A subscription's recurring value is kept as an exact integer: its annual run
 * rate (ARR) in minor units — a monthly price × 12, a yearly price × 1, a weekly price × 52 — so
 * "yearly counts 1/12 per month, weekly 52/12" needs no fraction at all. MRR is ARR / 12, rounded
 * half away from zero once, at the figure reported (a sum of ARRs is divided once, never a sum of
 * rounded MRRs). Only the licensed price counts; usage prices are not recurring revenue.
 */
import type { SubscriptionStatus } from "../../subscriptions/domain/index.js"

export type BillingInterval = "week" | "month" | "year"

/** Intervals per year: what one period's amount is multiplied by to make the annual run rate. */
export const periodsPerYear: Readonly<Record<BillingInterval, number>> = { week: 52, month: 12, year: 1 }

/** Statuses that count as recurring revenue: billing and not (yet) given up on. */
export const payingStatuses: ReadonlyArray<SubscriptionStatus> = ["active", "past_due"]

export interface RecurringTerms {
  readonly status: SubscriptionStatus
  /** Minor units per period of the licensed price. */
  readonly amount: number
  readonly interval: BillingInterval
  /** Units billed: seats on a per-seat plan, else 1. */
  readonly quantity: number
}

/**
 * The annual run rate of a subscription in minor units (exact integer): 0 while trialing, paused,
 * unpaid, incomplete or canceled. A cancel at period end still counts until the period ends.
 */
export const annualRunRate = (t: RecurringTerms): number =>
  payingStatuses.includes(t.status) ? t.amount * t.quantity * periodsPerYear[t.interval] : 0

export const MovementType = ["new", "expansion", "contraction", "churn", "reactivation"] as const
export type MovementType = (typeof MovementType)[number]

/**
 * What a change of one subscription's ARR from `before` to `after` is, or null when it is none.
 * From nothing to something is `new` the first time it ever pays, `reactivation` after that.
 */
export const movementOf = (before: number, after: number, paidBefore: boolean): MovementType | null =>
  before === after
    ? null
    : before === 0
    ? (paidBefore ? "reactivation" : "new")
    : after === 0
    ? "churn"
    : after > before
    ? "expansion"
    : "contraction"

/** What a ledger entry did to its customer's ARR in its currency (per customer, not per subscription). */
export const CustomerMove = ["new", "reactivated", "churned"] as const
export type CustomerMove = (typeof CustomerMove)[number]

/** The customer move of a change of the customer's ARR from `before` to `after`, or null. */
export const customerMoveOf = (before: number, after: number, everPaid: boolean): CustomerMove | null =>
  before === 0 && after > 0 ? (everPaid ? "reactivated" : "new") : before > 0 && after === 0 ? "churned" : null

/** ARR (a bigint sum) as MRR in minor units: ÷ 12, rounded half away from zero. */
export const mrrOfArr = (arr: bigint): number => {
  const q = arr / 12n
  const r = arr % 12n
  const twice = 2n * (r < 0n ? -r : r)
  return Number(twice >= 12n ? q + (arr < 0n ? -1n : 1n) : q)
}

/** ARR as a number for the wire (exact while below 2^53, which any plausible business is). */
export const arrNumber = (arr: bigint): number => Number(arr)
