/**
 * Proration by the second (API.md §3): fraction = seconds left in the period / seconds in the
 * period. A change writes a credit line for the unused part of what was paid and a charge line
 * for the remaining part of the new price, each rounded once, half away from zero, in exact
 * integer arithmetic.
 *
 * Seconds are whole: secondsLeft = floor((end − at) / 1000), secondsInPeriod =
 * floor((end − start) / 1000). Flooring counts the second in progress at a change as used, so
 * time already consumed is never credited; a line's explanation then shows whole seconds, and
 * period boundaries (whole seconds in practice) lose nothing.
 */
import { BigDecimal } from "effect"
import type { Period } from "./Period.js"

const toSafeNumber = (value: bigint): number => {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`amount ${value} exceeds the safe integer range`)
  }
  return Number(value)
}

/**
 * round(amount × numerator / denominator), half away from zero, computed exactly with bigints.
 * The one ratio rounding shared by proration, tax and percentage discounts.
 */
export const roundRatio = (amount: number, numerator: bigint, denominator: bigint): number => {
  if (!Number.isSafeInteger(amount)) throw new RangeError(`amount must be a safe integer of minor units, got ${amount}`)
  if (denominator === 0n) throw new RangeError("ratio denominator must not be zero")
  let n = BigInt(amount) * numerator
  let d = denominator
  if (d < 0n) {
    n = -n
    d = -d
  }
  const quotient = n / d // truncates toward zero
  const remainder = n % d // carries the sign of n
  const twice = 2n * (remainder < 0n ? -remainder : remainder)
  return toSafeNumber(twice >= d ? quotient + (n < 0n ? -1n : 1n) : quotient)
}

/** How much of a period is left at an instant, in whole seconds. */
export interface Remaining {
  readonly secondsLeft: number
  readonly secondsInPeriod: number
}

/**
 * Seconds left at `at`, clamped into the period: before it all is left, after it nothing. A
 * period may be shorter than a second (a proration line written in a period's last second
 * covers one); it then has 0 seconds and is either wholly ahead or wholly used, see `prorate`.
 */
export const remaining = (period: Period, at: number): Remaining => {
  if (!Number.isSafeInteger(period.start) || !Number.isSafeInteger(period.end) || period.end < period.start) {
    throw new RangeError(`a period must have integer bounds and must not end before it starts, got [${period.start}, ${period.end})`)
  }
  const from = Math.min(Math.max(at, period.start), period.end)
  return {
    secondsLeft: Math.floor((period.end - from) / 1000),
    secondsInPeriod: Math.floor((period.end - period.start) / 1000)
  }
}

/**
 * The part of `amount` (for the whole period) that covers the time from `at` to the end:
 * round(amount × secondsLeft / secondsInPeriod). `at` ≤ start gives the full amount exactly;
 * a period of 0 whole seconds is all ahead until it starts and all used after.
 */
export const prorate = (amount: number, period: Period, at: number): number => {
  const { secondsInPeriod, secondsLeft } = remaining(period, at)
  if (secondsInPeriod === 0) return roundRatio(amount, at <= period.start ? 1n : 0n, 1n)
  return roundRatio(amount, BigInt(secondsLeft), BigInt(secondsInPeriod))
}

/**
 * One proration line, with everything needed to explain it on an invoice. `quantity` is a
 * decimal string (as quantities travel on the wire), informational: the amounts given already
 * cover the whole quantity.
 */
export interface ProrationLine {
  readonly kind: "credit" | "charge"
  readonly price: string
  readonly quantity: string
  /** The service time the line covers: from the change to the end of the period. */
  readonly period: Period
  readonly secondsLeft: number
  readonly secondsInPeriod: number
  /** What the whole period costs (a credit: what was paid for it). */
  readonly fullAmount: number
  /** fullAmount × secondsLeft / secondsInPeriod, rounded once; negative for credits. */
  readonly amount: number
  readonly description: string
}

/** A seat count or other quantity: an integer number, or an exact decimal. */
export type Quantity = number | BigDecimal.BigDecimal

const formatQuantity = (quantity: Quantity): string => {
  if (typeof quantity === "number") {
    if (!Number.isSafeInteger(quantity)) throw new RangeError(`quantity must be an integer or a BigDecimal, got ${quantity}`)
    return String(quantity)
  }
  return BigDecimal.format(quantity)
}

const assertAmount = (name: string, value: number): void => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer of minor units, got ${value}`)
}

const describe = (what: string, price: string, quantity: string): string =>
  quantity === "1" ? `${what} on ${price}` : `${what} on ${quantity} × ${price}`

const line = (
  kind: ProrationLine["kind"],
  input: { readonly price: string; readonly quantity: Quantity; readonly period: Period; readonly at: number },
  fullAmount: number,
  description: string | undefined
): ProrationLine => {
  const { secondsInPeriod, secondsLeft } = remaining(input.period, input.at)
  const prorated = prorate(fullAmount, input.period, input.at)
  const quantity = formatQuantity(input.quantity)
  return {
    kind,
    price: input.price,
    quantity,
    period: { start: Math.min(Math.max(input.at, input.period.start), input.period.end), end: input.period.end },
    secondsLeft,
    secondsInPeriod,
    fullAmount,
    amount: kind === "credit" && prorated !== 0 ? -prorated : prorated, // never a −0
    description: description ?? describe(kind === "credit" ? "Unused time" : "Remaining time", input.price, quantity)
  }
}

export interface CreditInput {
  readonly price: string
  readonly quantity: Quantity
  /** What was actually paid for the whole period: net of discounts and partial refunds. */
  readonly paidAmount: number
  readonly period: Period
  readonly at: number
  readonly description?: string
}

/**
 * Credit for the unused time of what was paid for the period. Based on the amount paid rather
 * than the list price, so a discounted or partly refunded period is never over-credited:
 * −paidAmount ≤ amount ≤ 0. `period` is the time the payment covered: for a line that was itself
 * a proration charge, its own `period` ([change, end)), not the whole billing period.
 */
export const creditLine = (input: CreditInput): ProrationLine => {
  assertAmount("paidAmount", input.paidAmount)
  return line("credit", input, input.paidAmount, input.description)
}

export interface ChargeInput {
  readonly price: string
  readonly quantity: Quantity
  /** What the new price costs for a whole period, for the whole quantity. */
  readonly fullAmount: number
  readonly period: Period
  readonly at: number
  readonly description?: string
}

/** Charge for the time left in the period at the new price: 0 ≤ amount ≤ fullAmount. */
export const chargeLine = (input: ChargeInput): ProrationLine => {
  assertAmount("fullAmount", input.fullAmount)
  return line("charge", input, input.fullAmount, input.description)
}

export interface ChangeInput {
  readonly old: Omit<CreditInput, "period" | "at">
  readonly new: Omit<ChargeInput, "period" | "at">
  readonly period: Period
  readonly at: number
}

/**
 * An instant change from one price (or quantity) to another: [credit for old, charge for new].
 * The old price is taken as paid for the whole `period`; if it was itself charged by an earlier
 * change in this period, credit it with `creditLine` over that charge's own `period` instead.
 */
export const changeLines = (input: ChangeInput): readonly [credit: ProrationLine, charge: ProrationLine] => [
  creditLine({ ...input.old, period: input.period, at: input.at }),
  chargeLine({ ...input.new, period: input.period, at: input.at })
]
