import { BigDecimal } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { allocate, fixedDiscount, percentageDiscount } from "../src/invoicing/domain/Discounts.js"
import { applyBalance, invoiceTotals, lineTotals } from "../src/invoicing/domain/InvoiceTotals.js"
import { lineTax, parsePercent, percentOf } from "../src/invoicing/domain/Tax.js"

describe("line tax", () => {
  it("adds tax to exclusive EUR prices at 21 %", () => {
    // 10.00 EUR + 21 % = 2.10 → 12.10
    expect(lineTax({ amount: 1000, rate: "21", includingTax: false })).toEqual({ subTotal: 1000, taxTotal: 210, total: 1210 })
    // 9.99 EUR × 21 % = 209.79 cents → 210
    expect(lineTax({ amount: 999, rate: "21", includingTax: false })).toEqual({ subTotal: 999, taxTotal: 210, total: 1209 })
  })

  it("takes tax out of inclusive EUR prices at 21 %", () => {
    // 12.10 EUR including 21 %: 1210 × 21 / 121 = 210 exactly
    expect(lineTax({ amount: 1210, rate: "21", includingTax: true })).toEqual({ subTotal: 1000, taxTotal: 210, total: 1210 })
    // 10.00 EUR including 21 %: 1000 × 21 / 121 = 173.55 → 174
    expect(lineTax({ amount: 1000, rate: "21", includingTax: true })).toEqual({ subTotal: 826, taxTotal: 174, total: 1000 })
  })

  it("taxes JPY at 10 %, rounding yen half away from zero", () => {
    expect(lineTax({ amount: 1980, rate: "10", includingTax: false })).toEqual({ subTotal: 1980, taxTotal: 198, total: 2178 })
    // 1005 × 10 % = 100.5 → 101
    expect(lineTax({ amount: 1005, rate: "10", includingTax: false })).toEqual({ subTotal: 1005, taxTotal: 101, total: 1106 })
    // 1100 including 10 %: 1100 × 10 / 110 = 100
    expect(lineTax({ amount: 1100, rate: "10", includingTax: true })).toEqual({ subTotal: 1000, taxTotal: 100, total: 1100 })
    // 1005 including 10 %: 1005 / 11 = 91.36 → 91
    expect(lineTax({ amount: 1005, rate: "10", includingTax: true })).toEqual({ subTotal: 914, taxTotal: 91, total: 1005 })
  })

  it("taxes KWD in fils (3 decimals) at fractional rates", () => {
    // 12.345 KWD × 5 % = 617.25 fils → 617
    expect(lineTax({ amount: 12345, rate: "5", includingTax: false })).toEqual({ subTotal: 12345, taxTotal: 617, total: 12962 })
    // 12.345 KWD × 7.7 % = 950.565 fils → 951 (a float would see 950.5649999…)
    expect(lineTax({ amount: 12345, rate: "7.7", includingTax: false })).toEqual({ subTotal: 12345, taxTotal: 951, total: 13296 })
    // 12.345 KWD including 7.7 %: 12345 × 7.7 / 107.7 = 882.60 → 883
    expect(lineTax({ amount: 12345, rate: BigDecimal.unsafeFromString("7.7"), includingTax: true })).toEqual({ subTotal: 11462, taxTotal: 883, total: 12345 })
  })

  it("mirrors credits exactly", () => {
    // −1005 × 10 % = −100.5 → −101
    expect(lineTax({ amount: -1005, rate: "10", includingTax: false })).toEqual({ subTotal: -1005, taxTotal: -101, total: -1106 })
    expect(lineTax({ amount: -1000, rate: "21", includingTax: true })).toEqual({ subTotal: -826, taxTotal: -174, total: -1000 })
    expect(lineTax({ amount: 1000, rate: "0", includingTax: false })).toEqual({ subTotal: 1000, taxTotal: 0, total: 1000 })
  })

  it("accepts exact decimal percents only", () => {
    expect(percentOf(1000, "1e1")).toBe(100)
    expect(BigDecimal.format(parsePercent(" 7.70 "))).toBe("7.7")
    for (const bad of ["", " ", "abc", "-5", "7,7"]) expect(() => parsePercent(bad), bad).toThrow(RangeError)
  })
})

// A percent with up to 3 decimals, 0–100 %.
const percents = fc.integer({ min: 0, max: 100_000 }).map((thousandths) => BigDecimal.format(BigDecimal.make(BigInt(thousandths), 3)))
const signedAmounts = fc.integer({ min: -1e12, max: 1e12 })

describe("tax properties", () => {
  it("keeps subTotal + tax = total, rounds by at most half a unit, and is odd-symmetric", () => {
    fc.assert(
      fc.property(signedAmounts, percents, fc.boolean(), (amount, rate, includingTax) => {
        const tax = lineTax({ amount, rate, includingTax })
        expect(tax.subTotal + tax.taxTotal).toBe(tax.total)
        expect(includingTax ? tax.total : tax.subTotal).toBe(amount)
        // |tax − exact| ≤ ½ where exact = amount × r / 100 (exclusive) or amount × r / (100 + r)
        const r = parsePercent(rate)
        const [n, d] = [BigInt(amount) * r.value, (includingTax ? 100n * 10n ** BigInt(r.scale) + r.value : 100n * 10n ** BigInt(r.scale))]
        const error = 2n * (BigInt(tax.taxTotal) * d - n)
        expect(error <= d && -error <= d).toBe(true)
        const negated = lineTax({ amount: -amount, rate, includingTax })
        expect(negated.taxTotal + tax.taxTotal).toBe(0)
      })
    )
  })
})

describe("discounts", () => {
  it("takes a percentage, rounded half away from zero, capped at the amount", () => {
    expect(percentageDiscount(1999, "10")).toBe(200) // 199.9
    expect(percentageDiscount(1995, "10")).toBe(200) // 199.5
    expect(percentageDiscount(1000, "12.5")).toBe(125)
    expect(percentageDiscount(1000, "100")).toBe(1000)
    expect(percentageDiscount(-500, "10")).toBe(0)
    expect(() => percentageDiscount(1000, "100.01")).toThrow(RangeError)
    expect(() => percentageDiscount(1000, "-1")).toThrow(RangeError)
  })

  it("takes a fixed amount, capped at the amount", () => {
    expect(fixedDiscount(1000, 300)).toBe(300)
    expect(fixedDiscount(1000, 1500)).toBe(1000)
    expect(fixedDiscount(-500, 300)).toBe(0)
    expect(() => fixedDiscount(1000, -1)).toThrow(RangeError)
  })

  it("allocates by largest remainder", () => {
    // 100 over three lines of 100: 33⅓ each, the one left over goes to the first
    expect(allocate(100, [100, 100, 100])).toEqual([34, 33, 33])
    expect(allocate(10, [500, 300, 200])).toEqual([5, 3, 2])
    // 7 over [3, 3, 1]: exact shares 3, 3, 1
    expect(allocate(7, [3, 3, 1])).toEqual([3, 3, 1])
    // 5 over [1, 2, 2]: shares 1, 2, 2
    expect(allocate(5, [1, 2, 2])).toEqual([1, 2, 2])
    // 2 over [1, 1, 1]: shares ⅔ each, ties go to the earlier lines
    expect(allocate(2, [1, 1, 1])).toEqual([1, 1, 0])
    // 1000 over [2999, 1, 7000]: 299.9, 0.1, 700 → 300, 0, 700
    expect(allocate(1000, [2999, 1, 7000])).toEqual([300, 0, 700])
    // credits and empty lines take no discount
    expect(allocate(5, [0, -100, 10])).toEqual([0, 0, 5])
    expect(allocate(0, [10, 20])).toEqual([0, 0])
    expect(allocate(0, [])).toEqual([])
    expect(() => allocate(31, [10, 20])).toThrow(RangeError)
    expect(() => allocate(-1, [10, 20])).toThrow(RangeError)
  })

  it("allocates exactly, never beyond a line, within one unit of each exact share (property)", () => {
    const lines = fc.array(fc.integer({ min: -1e9, max: 1e9 }), { maxLength: 30 })
    fc.assert(
      fc.property(lines, fc.double({ min: 0, max: 1, noNaN: true }), (weights, f) => {
        const available = weights.reduce((a, w) => a + Math.max(0, w), 0)
        const total = Math.floor(available * f)
        const parts = allocate(total, weights)
        expect(parts.reduce((a, b) => a + b, 0)).toBe(total)
        parts.forEach((part, i) => {
          expect(Number.isSafeInteger(part)).toBe(true)
          expect(part).toBeGreaterThanOrEqual(0)
          expect(part).toBeLessThanOrEqual(Math.max(0, weights[i]))
          // |part × W − total × w| < W (nothing to share when W = 0)
          const gap = BigInt(part) * BigInt(available) - BigInt(total) * BigInt(Math.max(0, weights[i]))
          expect(available === 0 ? part === 0 : gap < BigInt(available) && -gap < BigInt(available)).toBe(true)
        })
      })
    )
  })
})

describe("invoice totals", () => {
  it("applies the voucher before tax, line by line, and sums exactly", () => {
    // A 15.00 EUR voucher over a 100.00 exclusive line, a 50.00 inclusive line and a 15.00 credit,
    // all at 21 %: shared 10000 : 5000 (the credit takes none) → 1000 and 500.
    const discounts = allocate(1500, [10000, 5000, -1500])
    expect(discounts).toEqual([1000, 500, 0])
    const totals = invoiceTotals([
      { amount: 10000, discount: discounts[0], taxRate: "21", includingTax: false },
      { amount: 5000, discount: discounts[1], taxRate: "21", includingTax: true },
      { amount: -1500, discount: discounts[2], taxRate: "21", includingTax: false }
    ])
    expect(totals.lines).toEqual([
      // 9000 taxable → 1890 tax → 10890
      { subTotal: 10000, discount: 1000, taxTotal: 1890, total: 10890 },
      // 4500 including tax: 4500 × 21 / 121 = 780.99 → 781; net before discount 5000 − 781
      { subTotal: 4219, discount: 500, taxTotal: 781, total: 4500 },
      // −1500 → −315 tax → −1815
      { subTotal: -1500, discount: 0, taxTotal: -315, total: -1815 }
    ])
    expect(totals).toMatchObject({ subTotal: 12719, discountTotal: 1500, taxTotal: 2356, total: 13575 })
    expect(totals.subTotal - totals.discountTotal + totals.taxTotal).toBe(totals.total)
    expect(applyBalance(totals.total, 2000)).toEqual({ balanceApplied: 2000, amountDue: 11575, creditToBalance: 0 })
  })

  it("refuses a discount larger than its line, or on a credit", () => {
    expect(() => lineTotals({ amount: 100, discount: 101, taxRate: "0", includingTax: false })).toThrow(RangeError)
    expect(() => lineTotals({ amount: -100, discount: 1, taxRate: "0", includingTax: false })).toThrow(RangeError)
    expect(() => lineTotals({ amount: 100, discount: -1, taxRate: "0", includingTax: false })).toThrow(RangeError)
    expect(lineTotals({ amount: 100, taxRate: "0", includingTax: false })).toEqual({ subTotal: 100, discount: 0, taxTotal: 0, total: 100 })
  })

  it("applies the customer's balance after tax, never below zero due", () => {
    expect(applyBalance(1000, 0)).toEqual({ balanceApplied: 0, amountDue: 1000, creditToBalance: 0 })
    expect(applyBalance(1000, 5000)).toEqual({ balanceApplied: 1000, amountDue: 0, creditToBalance: 0 })
    expect(applyBalance(0, 5000)).toEqual({ balanceApplied: 0, amountDue: 0, creditToBalance: 0 })
    // A credit invoice is due nothing and credits the balance.
    expect(applyBalance(-1815, 500)).toEqual({ balanceApplied: 0, amountDue: 0, creditToBalance: 1815 })
    expect(() => applyBalance(1000, -1)).toThrow(RangeError)
  })

  const invoiceLines = fc.array(
    fc.record({ amount: fc.integer({ min: -1e9, max: 1e9 }), taxRate: percents, includingTax: fc.boolean() }),
    { maxLength: 20 }
  )

  it("totals equal the sum of their lines, and every total = subTotal − discount + tax (property)", () => {
    fc.assert(
      fc.property(invoiceLines, fc.double({ min: 0, max: 1, noNaN: true }), (lines, f) => {
        const discountable = lines.reduce((a, l) => a + Math.max(0, l.amount), 0)
        const discounts = allocate(Math.floor(discountable * f), lines.map((l) => l.amount))
        const totals = invoiceTotals(lines.map((l, i) => ({ ...l, discount: discounts[i] })))
        const sum = (pick: (l: (typeof totals.lines)[number]) => number) => totals.lines.reduce((a, l) => a + pick(l), 0)
        expect(totals.total).toBe(sum((l) => l.total))
        expect(totals.subTotal).toBe(sum((l) => l.subTotal))
        expect(totals.taxTotal).toBe(sum((l) => l.taxTotal))
        expect(totals.discountTotal).toBe(Math.floor(discountable * f))
        for (const line of totals.lines) expect(line.subTotal - line.discount + line.taxTotal).toBe(line.total)
        expect(totals.subTotal - totals.discountTotal + totals.taxTotal).toBe(totals.total)
      })
    )
  })

  it("never makes the amount due negative, nor uses more balance than there is (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 1e12 }), (total, balance) => {
        const { amountDue, balanceApplied, creditToBalance } = applyBalance(total, balance)
        expect(amountDue).toBeGreaterThanOrEqual(0)
        expect(creditToBalance).toBeGreaterThanOrEqual(0)
        expect(balanceApplied).toBeGreaterThanOrEqual(0)
        expect(balanceApplied).toBeLessThanOrEqual(balance)
        expect(balanceApplied + amountDue - creditToBalance).toBe(total)
      })
    )
  })
})
