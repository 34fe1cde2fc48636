/**
 * The invoice lines a subscription produces, as pure functions of its state and catalog: the
 * period charge, proration credits and charges, and what was prepaid for unused time.
 */
import { BigDecimal } from "effect"
import { formatBound, maxLineAmount } from "../../kernel/Bounds.js"
import type { DraftLine } from "../../invoicing/domain/index.js"
import type { Period } from "../../kernel/Period.js"
import type { Plan } from "../../catalog/domain/index.js"
import type { Price } from "../../catalog/domain/index.js"
import { prorate, remaining, roundRatio } from "../../kernel/Proration.js"
import type { Prepaid, Subscription } from "./Subscription.js"
import { msOf, isoAt } from "../../kernel/Time.js"

const day = (t: number) => isoAt(t).slice(0, 10)

/** What a subscription is billed at: its price, and how many units of it. */
export interface Terms {
  readonly plan: Plan
  readonly price: Price
  readonly seats: number
  readonly taxRate: BigDecimal.BigDecimal
}

/** Units billed: seats on a per-seat plan, else one. */
export const billedQuantity = (t: Terms): number => (t.plan.perSeat ? t.seats : 1)

const seatsLabel = (t: Terms) => (t.plan.perSeat ? ` × ${t.seats} seat${t.seats === 1 ? "" : "s"}` : "")

export const currentPeriod = (s: Subscription): Period => ({ start: msOf(s.currentPeriodStart), end: msOf(s.currentPeriodEnd) })

/** The most seats a subscription may hold (the `seats` schema bounds each request, this the sum). */
export const maxSeats = 1_000_000

/**
 * Why a subscription to `price` with `seats` could not be billed exactly, if it could not: its
 * period line (seats × price on a per-seat plan) must fit one invoice line (Bounds.ts). Checked
 * whenever seats, plan or price change, so a renewal always can be priced.
 */
export const licensedLineProblem = (plan: Plan, price: Price, seats: number): string | undefined => {
  if (seats > maxSeats) return `must be at most ${formatBound(maxSeats)} in total; this would make ${seats}`
  const quantity = plan.perSeat ? seats : 1
  if (quantity * price.amount > maxLineAmount) {
    return `× the price (${price.amount} minor units) would exceed ${formatBound(maxLineAmount)} minor units per period: at most ${Math.floor(maxLineAmount / Math.max(price.amount, 1))} seats at this price`
  }
  return undefined
}

/** The full charge for one period, billed in advance. */
export const periodLine = (subscription: string, t: Terms, period: Period): DraftLine => {
  const quantity = billedQuantity(t)
  return {
    type: "subscription",
    description: `${t.plan.name}${seatsLabel(t)} (${day(period.start)} – ${day(period.end)})`,
    subscription,
    price: t.price.id,
    quantity: BigDecimal.fromBigInt(BigInt(quantity)),
    unitAmount: BigDecimal.fromBigInt(BigInt(t.price.amount)),
    amount: quantity * t.price.amount,
    taxRate: t.taxRate,
    includingTax: t.price.includingTax,
    period,
    proration: null
  }
}

/** Paid for [since, end) and still unused at `at`: the prepaid amount prorated by the second. */
export const unusedPrepaid = (prepaid: Prepaid | null, periodEnd: number, at: number): number =>
  prepaid === null ? 0 : prorate(prepaid.amount, { start: msOf(prepaid.since), end: periodEnd }, at)

/** The same, with tax: what a prorated refund gives back. */
export const unusedPrepaidTotal = (prepaid: Prepaid | null, periodEnd: number, at: number): number =>
  prepaid === null ? 0 : prorate(prepaid.total, { start: msOf(prepaid.since), end: periodEnd }, at)

/**
 * After `refunded` (with tax) of an invoice that paid for the stretch was refunded or credited:
 * the total drops by it, the net amount by the same share.
 */
export const shrinkPrepaid = (prepaid: Prepaid, refunded: number): Prepaid => {
  const total = Math.max(prepaid.total - refunded, 0)
  const amount = prepaid.total <= 0 ? 0 : roundRatio(prepaid.amount, BigInt(total), BigInt(prepaid.total))
  return { ...prepaid, total, amount }
}

/** A charge for the rest of the period at `at`, for `quantity` units at the price. */
export const prorationCharge = (subscription: string, t: Terms, quantity: number, period: Period, at: number, what: string): DraftLine => {
  const full = quantity * t.price.amount
  const left = remaining(period, at)
  return {
    type: "proration",
    description: `${what}: ${t.plan.name}${quantity === 1 && !t.plan.perSeat ? "" : ` × ${quantity}`}, ${day(at)} – ${day(period.end)}`,
    subscription,
    price: t.price.id,
    quantity: BigDecimal.fromBigInt(BigInt(quantity)),
    unitAmount: BigDecimal.fromBigInt(BigInt(t.price.amount)),
    amount: prorate(full, period, at),
    taxRate: t.taxRate,
    includingTax: t.price.includingTax,
    period: { start: at, end: period.end },
    proration: { secondsLeft: left.secondsLeft, secondsInPeriod: left.secondsInPeriod, basis: full }
  }
}

/**
 * A credit for unused time: `share` (numerator/denominator of the units) of what was prepaid for
 * [since, end), prorated at `at`. Never more than was actually paid.
 */
export const prorationCredit = (
  subscription: string,
  t: Terms,
  prepaid: Prepaid,
  periodEnd: number,
  at: number,
  share: { readonly units: number; readonly of: number },
  what: string
): DraftLine => {
  const stretch = { start: msOf(prepaid.since), end: periodEnd }
  const basis = roundRatio(prepaid.amount, BigInt(share.units), BigInt(share.of))
  const left = remaining(stretch, at)
  return {
    type: "proration",
    description: `${what}: unused ${t.plan.name}${share.units === share.of ? "" : ` × ${share.units}`}, ${day(at)} – ${day(periodEnd)}`,
    subscription,
    price: t.price.id,
    quantity: BigDecimal.fromBigInt(BigInt(-share.units)),
    unitAmount: share.units === 0 ? BigDecimal.fromBigInt(0n) : BigDecimal.unsafeDivide(BigDecimal.fromBigInt(BigInt(basis)), BigDecimal.fromBigInt(BigInt(share.units))),
    // One rounding for the whole credit: the units' share and the time left, exactly.
    amount: -(left.secondsInPeriod === 0
      ? roundRatio(prepaid.amount, BigInt(share.units) * (at <= stretch.start ? 1n : 0n), BigInt(share.of))
      : roundRatio(prepaid.amount, BigInt(share.units) * BigInt(left.secondsLeft), BigInt(share.of) * BigInt(left.secondsInPeriod))),
    taxRate: prepaid.taxRate,
    includingTax: prepaid.includingTax,
    period: { start: at, end: periodEnd },
    proration: { secondsLeft: left.secondsLeft, secondsInPeriod: left.secondsInPeriod, basis: -basis }
  }
}
