/**
 * How large amounts and quantities may be, so that every sum an invoice can reach stays an exact
 * integer (below 2^53, JavaScript's exact integer range). docs/conventions.md explains the choice:
 *
 *   |line amount| ≤ maxLineAmount (10^12 − 1), tax ≤ 100 %   ⇒ |line total| < 2 × 10^12
 *   lines per invoice ≤ maxInvoiceLines (1,000)               ⇒ |invoice total| < 2 × 10^15 < 2^53 ≈ 9.007 × 10^15
 *
 * Inputs are bounded at the edge (Schema): every amount ≤ maxAmount, every quantity ≤ maxQuantity
 * with at most maxDecimals decimals. A line is a product (quantity × unit amount, seats × price, a
 * usage charge), so it is also checked where it is formed; a draft checks its lines again before
 * summing. Beyond a bound the answer is a 422 (or 409 for state that cannot be priced), never a
 * RangeError, a 500 or a rounded sum.
 */
import { BigDecimal } from "effect"

/** Any single amount a client sends (a price, unit amount, flat amount, voucher, limit…), in minor units. */
export const maxAmount = 999_999_999_999
/** The largest |amount| of one invoice line (quantity × unit amount, rounded), in minor units. */
export const maxLineAmount = 999_999_999_999
/** The most lines one invoice may carry. */
export const maxInvoiceLines = 1_000
/** The largest quantity of a one-off line. */
export const maxQuantity = 999_999_999_999
/** Decimals a quantity or a unit amount in minor units (`unit_amount_decimal`) may have. */
export const maxDecimals = 12
/** The largest tier bound (`up_to`) of a tiered usage price. */
export const maxTierUpTo = 999_999_999_999_999

const maxLine = BigDecimal.fromBigInt(BigInt(maxLineAmount))

/** Whether an exact amount of minor units fits on one invoice line. */
export const fitsLine = (exact: BigDecimal.BigDecimal): boolean =>
  BigDecimal.lessThanOrEqualTo(BigDecimal.abs(exact), maxLine)

/**
 * Thrown by the pure money functions when an amount passes a bound; services turn it into a
 * 409/422 naming the field. Its message never quotes the value in full.
 */
export class AmountOutOfRange extends RangeError {
  constructor(readonly what: string, value: string, readonly bound: number = maxLineAmount) {
    super(`${what} ${shorten(value)} exceeds ${bound} minor units`)
  }
}

/** A value as an error message may quote it: at most `max` characters, with its length if cut. */
export const shorten = (text: string, max = 40): string =>
  text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`

/** `n` with thousands separators for messages: 999999999999 → "999,999,999,999". */
export const formatBound = (n: number): string => n.toLocaleString("en-US")
