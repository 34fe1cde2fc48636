/**
 * Line tax. A rate is a percent as an exact decimal ("21", "7.7"); never a float, so 7.7 % is
 * 77/1000 exactly. Exclusive prices add their tax; inclusive prices contain it. Tax is rounded
 * once per line, half away from zero, so a credit line's tax mirrors its charge's exactly.
 */
import { BigDecimal, Option } from "effect"
import { AmountOutOfRange, shorten } from "../../kernel/Bounds.js"
import { roundRatio } from "../../kernel/Proration.js"

/** A percent: a decimal string such as "21" or "7.7", or a BigDecimal. */
export type Percent = string | BigDecimal.BigDecimal

/** Parses a percent, refusing anything that is not a non-negative decimal ("" is not 0). */
export const parsePercent = (percent: Percent): BigDecimal.BigDecimal => {
  const parsed = typeof percent !== "string"
    ? percent
    : percent.trim() === "" ? undefined : Option.getOrUndefined(BigDecimal.fromString(percent.trim()))
  if (parsed === undefined || BigDecimal.isNegative(parsed)) {
    throw new RangeError(`a percent must be a non-negative decimal, got ${shorten(typeof percent === "string" ? JSON.stringify(percent) : BigDecimal.format(percent))}`)
  }
  return parsed
}

/** percent / 100 as an exact fraction of bigints. */
const fractionOf = (percent: Percent): { readonly numerator: bigint; readonly denominator: bigint } => {
  const { scale, value } = parsePercent(percent)
  return scale >= 0
    ? { numerator: value, denominator: 100n * 10n ** BigInt(scale) }
    : { numerator: value * 10n ** BigInt(-scale), denominator: 100n }
}

/** round(amount × percent / 100), half away from zero. */
export const percentOf = (amount: number, percent: Percent): number => {
  const { denominator, numerator } = fractionOf(percent)
  return roundRatio(amount, numerator, denominator)
}

export interface LineTaxInput {
  /** The line's amount in minor units, in the price's own convention; negative for credits. */
  readonly amount: number
  readonly rate: Percent
  readonly includingTax: boolean
}

/** subTotal + taxTotal = total, always. */
export interface LineTax {
  readonly subTotal: number
  readonly taxTotal: number
  readonly total: number
}

/**
 * Exclusive: tax = round(amount × rate / 100), total = amount + tax.
 * Inclusive: total = amount, tax = round(amount × rate / (100 + rate)), subTotal = amount − tax.
 */
export const lineTax = ({ amount, includingTax, rate }: LineTaxInput): LineTax => {
  const { denominator, numerator } = fractionOf(rate)
  if (includingTax) {
    // rate / (100 + rate) = (n / d) / (1 + n / d) = n / (d + n)
    const taxTotal = roundRatio(amount, numerator, denominator + numerator)
    return { subTotal: amount - taxTotal, taxTotal, total: amount }
  }
  const taxTotal = roundRatio(amount, numerator, denominator)
  const total = amount + taxTotal
  if (!Number.isSafeInteger(total)) throw new AmountOutOfRange("line total", String(total), Number.MAX_SAFE_INTEGER)
  return { subTotal: amount, taxTotal, total }
}
