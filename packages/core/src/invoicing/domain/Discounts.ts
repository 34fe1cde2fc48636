/**
 * Vouchers apply before tax (API.md §3): a discount lowers the amount a line is taxed on. A
 * discount never exceeds what it discounts, and a credit line (amount ≤ 0) is never discounted.
 */
import { BigDecimal } from "effect"
import { type Percent, parsePercent, percentOf } from "./Tax.js"

const assertInteger = (name: string, value: number): void => {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer of minor units, got ${value}`)
}

/** round(amount × percent / 100), half away from zero; percent is 0–100. 0 for amount ≤ 0. */
export const percentageDiscount = (amount: number, percent: Percent): number => {
  assertInteger("amount", amount)
  if (BigDecimal.greaterThan(parsePercent(percent), BigDecimal.fromBigInt(100n))) {
    throw new RangeError(`a percentage discount must be between 0 and 100, got ${typeof percent === "string" ? percent : BigDecimal.format(percent)}`)
  }
  return amount <= 0 ? 0 : Math.min(amount, percentOf(amount, percent))
}

/** A fixed amount off, capped at the amount. 0 for amount ≤ 0. */
export const fixedDiscount = (amount: number, fixed: number): number => {
  assertInteger("amount", amount)
  assertInteger("fixed", fixed)
  if (fixed < 0) throw new RangeError(`a fixed discount must not be negative, got ${fixed}`)
  return amount <= 0 ? 0 : Math.min(amount, fixed)
}

/**
 * Splits `total` over lines in proportion to their positive weights (their amounts) by the
 * largest-remainder method: each line gets floor(total × w / W), and the few units left over go
 * one each to the lines with the largest remainders (the earlier line on a tie, so the result is
 * deterministic). The parts sum to `total` exactly and no part exceeds its weight; weights ≤ 0
 * get 0. `total` must lie between 0 and the sum of the positive weights: cap a discount with
 * `fixedDiscount(subTotal, …)` first.
 */
export const allocate = (total: number, weights: ReadonlyArray<number>): Array<number> => {
  assertInteger("total", total)
  weights.forEach((w, i) => assertInteger(`weight ${i}`, w))
  const positive = weights.map((w) => BigInt(Math.max(0, w)))
  const sum = positive.reduce((a, b) => a + b, 0n)
  if (total < 0 || BigInt(total) > sum) {
    throw new RangeError(`cannot allocate ${total} over lines worth ${sum} in all`)
  }
  if (total === 0) return weights.map(() => 0)
  const t = BigInt(total)
  const parts = positive.map((w) => t * w / sum)
  const remainders = positive.map((w, index) => ({ index, remainder: t * w % sum }))
  let left = Number(t - parts.reduce((a, b) => a + b, 0n)) // < number of lines
  remainders.sort((a, b) => (a.remainder === b.remainder ? a.index - b.index : a.remainder > b.remainder ? -1 : 1))
  for (const { index } of remainders) {
    if (left === 0) break
    parts[index] += 1n
    left--
  }
  return parts.map(Number)
}
