import { BigDecimal } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Period } from "../src/kernel/Period.js"
import { changeLines, chargeLine, creditLine, prorate, remaining, roundRatio } from "../src/kernel/Proration.js"

const DAY = 86_400_000
const utc = (y: number, m: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => Date.UTC(y, m - 1, d, h, mi, s, ms)

// April 2024: 30 days = 2 592 000 s.
const april: Period = { start: utc(2024, 4, 1), end: utc(2024, 5, 1) }

describe("roundRatio", () => {
  it("rounds amount × n / d half away from zero, exactly", () => {
    expect(roundRatio(3, 1n, 2n)).toBe(2) // 1.5
    expect(roundRatio(-3, 1n, 2n)).toBe(-2) // −1.5
    expect(roundRatio(5, 1n, 4n)).toBe(1) // 1.25
    expect(roundRatio(7, 1n, 4n)).toBe(2) // 1.75
    expect(roundRatio(3, -1n, 2n)).toBe(-2)
    expect(roundRatio(0, 5n, 7n)).toBe(0)
    // Far beyond float precision: (2^53 − 1) × 2/3 is 6004799503160660.67 → …661, exact.
    expect(roundRatio(Number.MAX_SAFE_INTEGER, 2n, 3n)).toBe(6004799503160661)
    expect(() => roundRatio(1, 1n, 0n)).toThrow(RangeError)
    expect(() => roundRatio(Number.MAX_SAFE_INTEGER, 2n, 1n)).toThrow(RangeError)
    expect(() => roundRatio(0.5, 1n, 1n)).toThrow(RangeError)
  })
})

describe("prorate", () => {
  it("charges the seconds left: half of a 30-day month", () => {
    // 16 Apr 00:00 leaves 15 of 30 days: 1 296 000 / 2 592 000 s. 3000 × ½ = 1500.
    expect(remaining(april, utc(2024, 4, 16))).toEqual({ secondsLeft: 1_296_000, secondsInPeriod: 2_592_000 })
    expect(prorate(3000, april, utc(2024, 4, 16))).toBe(1500)
  })

  it("counts a second in progress as used (seconds are floored)", () => {
    const period = { start: 0, end: 10_000 }
    // 8.5 s left floors to 8 of 10: 1000 × 0.8 = 800.
    expect(remaining(period, 1_500)).toEqual({ secondsLeft: 8, secondsInPeriod: 10 })
    expect(prorate(1000, period, 1_500)).toBe(800)
    expect(prorate(1000, period, 9_999)).toBe(0)
  })

  it("rounds half away from zero, once", () => {
    const period = { start: 0, end: 2_000 }
    expect(prorate(3, period, 1_000)).toBe(2) // 1.5
    expect(prorate(-3, period, 1_000)).toBe(-2) // −1.5
  })

  it("clamps instants outside the period", () => {
    expect(prorate(3000, april, april.start - DAY)).toBe(3000)
    expect(prorate(3000, april, april.start)).toBe(3000)
    expect(prorate(3000, april, april.end)).toBe(0)
    expect(prorate(3000, april, april.end + DAY)).toBe(0)
  })

  it("treats a period shorter than a second as all ahead until it starts, all used after", () => {
    expect(remaining({ start: 0, end: 999 }, 500)).toEqual({ secondsLeft: 0, secondsInPeriod: 0 })
    expect(prorate(100, { start: 0, end: 999 }, 0)).toBe(100)
    expect(prorate(100, { start: 0, end: 999 }, 1)).toBe(0)
    expect(prorate(100, { start: 5, end: 5 }, 5)).toBe(100)
  })

  it("refuses an inverted or fractional period", () => {
    expect(() => prorate(100, { start: 10, end: 0 }, 0)).toThrow(RangeError)
    expect(() => prorate(100, { start: 0.5, end: 2000 }, 0)).toThrow(RangeError)
  })
})

describe("proration lines", () => {
  it("credits the unused half and charges the new price's remaining half (EUR)", () => {
    // Monthly 30.00 EUR → 60.00 EUR at exactly mid-April: −3000 × ½ = −1500, +6000 × ½ = +3000.
    const at = utc(2024, 4, 16)
    const [credit, charge] = changeLines({
      old: { price: "price_basic", quantity: 1, paidAmount: 3000 },
      new: { price: "price_pro", quantity: 1, fullAmount: 6000 },
      period: april,
      at
    })
    expect(credit).toEqual({
      kind: "credit",
      price: "price_basic",
      quantity: "1",
      period: { start: at, end: april.end },
      secondsLeft: 1_296_000,
      secondsInPeriod: 2_592_000,
      fullAmount: 3000,
      amount: -1500,
      description: "Unused time on price_basic"
    })
    expect(charge).toMatchObject({ kind: "charge", price: "price_pro", fullAmount: 6000, amount: 3000, description: "Remaining time on price_pro" })
  })

  it("prorates JPY, which has no minor unit", () => {
    // 1000 JPY → 2980 JPY after 10 of 30 days: 20/30 left.
    // credit: 1000 × 2/3 = 666.67 → −667; charge: 2980 × 2/3 = 1986.67 → 1987.
    const [credit, charge] = changeLines({
      old: { price: "price_jpy_s", quantity: 1, paidAmount: 1000 },
      new: { price: "price_jpy_m", quantity: 1, fullAmount: 2980 },
      period: april,
      at: utc(2024, 4, 11)
    })
    expect([credit.amount, charge.amount]).toEqual([-667, 1987])
  })

  it("prorates KWD in fils (3 decimals)", () => {
    // January 2024 has 31 days; on 10 Jan 00:00, 22 days are left.
    // 12.345 KWD = 12345 fils: 12345 × 22 / 31 = 271590 / 31 = 8760.97 → 8761.
    const january = { start: utc(2024, 1, 1), end: utc(2024, 2, 1) }
    const line = creditLine({ price: "price_kwd", quantity: 1, paidAmount: 12345, period: january, at: utc(2024, 1, 10) })
    expect(line.amount).toBe(-8761)
    expect(line.secondsLeft).toBe(22 * 86_400)
  })

  it("credits what was paid, not the list price", () => {
    // 20 % off a 3000 price: 2400 paid; half the period left credits 1200, not 1500.
    const line = creditLine({ price: "price_basic", quantity: 1, paidAmount: 2400, period: april, at: utc(2024, 4, 16) })
    expect(line.amount).toBe(-1200)
    expect(line.fullAmount).toBe(2400)
  })

  it("prorates seats: adding 2 seats charges, removing 3 credits", () => {
    // 2 added seats at 1500 each, 10 of 30 days left: 3000 × 1/3 = 1000.
    const at = utc(2024, 4, 21)
    const added = chargeLine({ price: "price_seat", quantity: 2, fullAmount: 3000, period: april, at })
    expect(added).toMatchObject({ amount: 1000, quantity: "2", description: "Remaining time on 2 × price_seat" })
    // 3 removed seats, 4500 paid for them: −1500.
    const removed = creditLine({ price: "price_seat", quantity: BigDecimal.unsafeFromString("3"), paidAmount: 4500, period: april, at })
    expect(removed).toMatchObject({ amount: -1500, quantity: "3", description: "Unused time on 3 × price_seat" })
  })

  it("writes zero, never −0, once the period is over", () => {
    const line = creditLine({ price: "p", quantity: 1, paidAmount: 3000, period: april, at: april.end + 1 })
    expect(Object.is(line.amount, 0)).toBe(true)
    expect(line.period).toEqual({ start: april.end, end: april.end })
  })

  it("keeps a given description and refuses negative amounts", () => {
    expect(chargeLine({ price: "p", quantity: 1, fullAmount: 100, period: april, at: april.start, description: "Pro" }).description).toBe("Pro")
    expect(() => creditLine({ price: "p", quantity: 1, paidAmount: -1, period: april, at: april.start })).toThrow(RangeError)
    expect(() => chargeLine({ price: "p", quantity: 1, fullAmount: 1.5, period: april, at: april.start })).toThrow(RangeError)
    expect(() => chargeLine({ price: "p", quantity: 1.5, fullAmount: 1, period: april, at: april.start })).toThrow(RangeError)
  })
})

// A period of whole seconds, from 1 s to 400 days long.
const periods = fc
  .tuple(fc.integer({ min: 0, max: 4_000_000_000 }), fc.integer({ min: 1, max: 400 * 86_400 }))
  .map(([start, seconds]): Period => ({ start: start * 1000, end: (start + seconds) * 1000 }))
const amounts = fc.integer({ min: 0, max: 10_000_000_000 })

describe("proration properties", () => {
  it("never credits more than was paid, nor anything positive", () => {
    fc.assert(
      fc.property(amounts, periods, fc.double({ min: -0.5, max: 1.5, noNaN: true }), (paidAmount, period, f) => {
        const at = Math.round(period.start + f * (period.end - period.start))
        const { amount } = creditLine({ price: "p", quantity: 1, paidAmount, period, at })
        expect(amount).toBeLessThanOrEqual(0)
        expect(-amount).toBeLessThanOrEqual(paidAmount)
      })
    )
  })

  it("cancels out: a credit and a charge of the same amount at the same instant sum to 0", () => {
    fc.assert(
      fc.property(amounts, periods, fc.double({ min: 0, max: 1, noNaN: true }), (amount, period, f) => {
        const at = Math.round(period.start + f * (period.end - period.start))
        const [credit, charge] = changeLines({
          old: { price: "p", quantity: 1, paidAmount: amount },
          new: { price: "p", quantity: 1, fullAmount: amount },
          period,
          at
        })
        expect(credit.amount + charge.amount).toBe(0)
      })
    )
  })

  it("stays within half a minor unit of the exact fraction, and never grows as time passes", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), periods, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 10_000 }), (amount, period, f, later) => {
        const at = Math.round(period.start + f * (period.end - period.start))
        const { secondsInPeriod: S, secondsLeft: L } = remaining(period, at)
        const got = BigInt(prorate(amount, period, at))
        const error = 2n * (got * BigInt(S) - BigInt(amount) * BigInt(L))
        expect(error <= BigInt(S) && -error <= BigInt(S)).toBe(true)
        const next = prorate(amount, period, at + later)
        expect(amount >= 0 ? next <= Number(got) : next >= Number(got)).toBe(true)
      })
    )
  })

  it("adds up over any sequence of changes to the price of each stretch, within one minor unit per change", () => {
    // The customer starts on price p0 (paid in full) and changes at t1 < t2 < … < tk. At each
    // change the line charged last is credited for its unused time — what was paid for it, over
    // the time it covered, [t(i−1), end) — and the new price is charged for the rest of the
    // period. The net must match Σ p_i × (stretch i) / period up to rounding: ≤ 1 per change.
    const scenario = periods.chain((period) =>
      fc.record({
        period: fc.constant(period),
        changes: fc.uniqueArray(fc.integer({ min: period.start + 1, max: period.end - 1 }), { maxLength: 12 }).map((ts) => [...ts].sort((a, b) => a - b)),
        prices: fc.array(amounts, { minLength: 13, maxLength: 13 })
      })
    )
    fc.assert(
      fc.property(scenario, ({ changes, period, prices }) => {
        let net = BigInt(prices[0])
        let last = { paid: prices[0], covers: period }
        for (const [i, at] of changes.entries()) {
          const credit = creditLine({ price: `p${i}`, quantity: 1, paidAmount: last.paid, period: last.covers, at })
          const charge = chargeLine({ price: `p${i + 1}`, quantity: 1, fullAmount: prices[i + 1], period, at })
          expect(-credit.amount).toBeLessThanOrEqual(last.paid)
          net += BigInt(credit.amount + charge.amount)
          last = { paid: charge.amount, covers: charge.period }
        }
        // The exact expectation × seconds in the period, with the same floored seconds as the lines.
        const S = BigInt(remaining(period, period.start).secondsInPeriod)
        const left = (t: number) => BigInt(remaining(period, t).secondsLeft)
        const bounds = [period.start, ...changes, period.end]
        let exact = 0n
        for (let i = 0; i + 1 < bounds.length; i++) exact += BigInt(prices[i]) * (left(bounds[i]) - left(bounds[i + 1]))
        const error = net * S - exact
        expect(error <= BigInt(changes.length) * S && -error <= BigInt(changes.length) * S).toBe(true)
      }),
      { numRuns: 500 }
    )
  })
})
