/**
 * Exact money within the bounds (src/domain/Bounds.ts, docs/conventions.md): for any lines a
 * client can make — quantity × unit amount up to the line bound, any tax rate from 0 to 100 %,
 * inclusive or exclusive, up to the most lines an invoice may carry — the invoice totals equal
 * the exact decimal sum, computed here independently with BigDecimal and bigint. Past the bounds
 * the sums refuse (AmountOutOfRange) rather than round.
 */
import { BigDecimal } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { AmountOutOfRange, maxAmount, maxDecimals, maxInvoiceLines, maxLineAmount, maxQuantity } from "../src/kernel/Bounds.js"
import { invoiceTotals } from "../src/invoicing/domain/InvoiceTotals.js"
import { lineAmount } from "../src/kernel/Money.js"

/** round(n / d) half away from zero, for d > 0. */
const roundHalfAway = (n: bigint, d: bigint): bigint => {
  const q = n / d
  const r = n % d
  const twice = 2n * (r < 0n ? -r : r)
  return twice >= d ? q + (n < 0n ? -1n : 1n) : q
}

const exactLine = (quantity: BigDecimal.BigDecimal, unit: number) =>
  BigDecimal.round(BigDecimal.multiply(quantity, BigDecimal.fromBigInt(BigInt(unit))), { scale: 0, mode: "half-from-zero" })

/** A rate as numerator / denominator of a fraction of 1 (21.5 % → 215 / 1000). */
const fraction = (rate: BigDecimal.BigDecimal) => {
  const { scale, value } = BigDecimal.normalize(rate)
  return scale >= 0 ? { n: value, d: 100n * 10n ** BigInt(scale) } : { n: value * 10n ** BigInt(-scale), d: 100n }
}

const quantity = fc.oneof(
  fc.bigInt({ min: 0n, max: BigInt(maxQuantity) }).map((v) => BigDecimal.fromBigInt(v)),
  fc.tuple(fc.bigInt({ min: 0n, max: BigInt(maxQuantity) * 10n ** BigInt(maxDecimals) }), fc.integer({ min: 0, max: maxDecimals }))
    .map(([v, scale]) => BigDecimal.make(v, scale))
    .filter((q) => BigDecimal.lessThanOrEqualTo(q, BigDecimal.fromBigInt(BigInt(maxQuantity))))
)
const unit = fc.oneof(fc.integer({ min: 0, max: maxAmount }), fc.constantFrom(maxAmount, 1, 0))
const rate = fc.oneof(
  fc.constantFrom("0", "21", "7.7", "100", "19.6", "33.3333"),
  fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 9999 })).map(([w, f]) => (w === 100 ? "100" : `${w}.${f}`))
).map((r) => BigDecimal.unsafeFromString(r))
const line = fc.record({ quantity, unit, rate, includingTax: fc.boolean() })
  .filter((l) => BigDecimal.lessThanOrEqualTo(BigDecimal.abs(BigDecimal.multiply(l.quantity, BigDecimal.fromBigInt(BigInt(l.unit)))), BigDecimal.fromBigInt(BigInt(maxLineAmount))))
// Maximal lines (the largest amount at 100 % tax) next to arbitrary ones.
const maximal = fc.constant({ quantity: BigDecimal.fromBigInt(1n), unit: maxLineAmount, rate: BigDecimal.fromBigInt(100n), includingTax: false })

describe("exact money within the bounds", () => {
  it("invoice totals equal the exact decimal sum of the rounded lines (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(line, maximal), { minLength: 1, maxLength: maxInvoiceLines }), (lines) => {
        let subTotal = 0n
        let taxTotal = 0n
        let total = 0n
        const inputs = lines.map((l) => {
          const amount = exactLine(l.quantity, l.unit)
          const rounded = lineAmount(l.quantity, BigDecimal.fromBigInt(BigInt(l.unit)))
          expect(BigInt(rounded)).toBe(BigDecimal.scale(amount, 0).value)
          const a = BigInt(rounded)
          const { d, n } = fraction(l.rate)
          const tax = l.includingTax ? roundHalfAway(a * n, d + n) : roundHalfAway(a * n, d)
          subTotal += l.includingTax ? a - tax : a
          taxTotal += tax
          total += l.includingTax ? a : a + tax
          return { amount: rounded, taxRate: l.rate, includingTax: l.includingTax }
        })
        expect(total < BigInt(Number.MAX_SAFE_INTEGER)).toBe(true)
        const totals = invoiceTotals(inputs)
        expect(BigInt(totals.subTotal)).toBe(subTotal)
        expect(BigInt(totals.taxTotal)).toBe(taxTotal)
        expect(BigInt(totals.total)).toBe(total)
        expect(totals.subTotal + totals.taxTotal).toBe(totals.total)
      }),
      { numRuns: 200 }
    )
  })

  it("the bounds leave room: the largest lines at 100 % tax on the most lines stay below 2^53", () => {
    const totals = invoiceTotals(Array.from({ length: maxInvoiceLines }, () => ({ amount: maxLineAmount, taxRate: "100", includingTax: false })))
    expect(totals.total).toBe(2 * maxLineAmount * maxInvoiceLines)
    expect(totals.total).toBeLessThan(Number.MAX_SAFE_INTEGER)
  })

  it("past the bounds, sums and lines refuse instead of rounding", () => {
    const tooMany = Array.from({ length: 5 * maxInvoiceLines }, () => ({ amount: maxLineAmount, taxRate: "100", includingTax: false }))
    expect(() => invoiceTotals(tooMany)).toThrow(AmountOutOfRange)
    expect(() => lineAmount(BigDecimal.fromBigInt(2n), BigDecimal.fromBigInt(BigInt(maxAmount)))).toThrow(AmountOutOfRange)
    const long = "9".repeat(100_000)
    try {
      lineAmount(BigDecimal.unsafeFromString(long), BigDecimal.fromBigInt(1n))
      expect.unreachable()
    } catch (error) {
      expect((error as Error).message.length).toBeLessThan(200)
    }
  })
})
