import { BigDecimal } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  type Tier,
  charge,
  graduatedCharge,
  packageCharge,
  perUnitCharge,
  volumeCharge
} from "../src/catalog/domain/ChargeModels.js"
import { roundMinor } from "../src/kernel/Money.js"

const d = BigDecimal.unsafeFromString

// Units 1–1000 at 0.5 minor units, 1001–5000 at 0.4 plus 100 flat, above 5000 at 0.25.
const tiers: ReadonlyArray<Tier> = [
  { upTo: 1000, unitAmountDecimal: "0.5" },
  { upTo: 5000, unitAmountDecimal: "0.4", flatAmount: 100 },
  { upTo: null, unitAmountDecimal: "0.25", flatAmount: 0 }
]

describe("per_unit", () => {
  it("multiplies exactly, rounding once", () => {
    // 1234.5 × 0.5 = 617.25 → 617
    expect(perUnitCharge({ unitAmountDecimal: "0.5" }, d("1234.5"))).toEqual({
      chargeModel: "per_unit",
      quantity: "1234.5",
      steps: [{ quantity: "1234.5", unitAmountDecimal: "0.5", flatAmount: 0, amount: "617.25" }],
      exactAmount: "617.25",
      amount: 617
    })
    // 1434.33 × 0.0125 = 17.929125 → 18
    expect(perUnitCharge({ unitAmountDecimal: "0.0125" }, d("1434.33")).amount).toBe(18)
    expect(perUnitCharge({ unitAmountDecimal: "12" }, d("3")).amount).toBe(36)
    // 1 × 0.5 = 0.5 → 1, half away from zero
    expect(perUnitCharge({ unitAmountDecimal: "0.5" }, d("1")).amount).toBe(1)
    expect(perUnitCharge({ unitAmountDecimal: "0.5" }, d("0")).amount).toBe(0)
  })

  it("explains tiny amounts without exponent notation", () => {
    const tiny = perUnitCharge({ unitAmountDecimal: "0.00000000000000001" }, d("3"))
    expect(tiny.exactAmount).toBe("0.00000000000000003")
    expect(tiny.amount).toBe(0)
    const huge = perUnitCharge({ unitAmountDecimal: "0.000000000000000000001" }, BigDecimal.make(12n, -20))
    expect(huge).toMatchObject({ quantity: "1200000000000000000000", exactAmount: "1.2", amount: 1 })
    expect(huge.steps[0].unitAmountDecimal).toBe("0.000000000000000000001")
  })
})

describe("graduated", () => {
  it("charges each tier for the units in it, a tier's flat amount only once it is reached", () => {
    expect(graduatedCharge({ tiers }, d("0"))).toMatchObject({ steps: [], exactAmount: "0", amount: 0 })
    // exactly at the first bound: 1000 × 0.5 = 500, the second tier (and its flat) not reached
    expect(graduatedCharge({ tiers }, d("1000"))).toEqual({
      chargeModel: "graduated",
      quantity: "1000",
      steps: [{ tier: 0, from: "0", upTo: 1000, quantity: "1000", unitAmountDecimal: "0.5", flatAmount: 0, amount: "500" }],
      exactAmount: "500",
      amount: 500
    })
    // 1000 × 0.5 + 0.5 × 0.4 + 100 = 600.2 → 600
    expect(graduatedCharge({ tiers }, d("1000.5")).amount).toBe(600)
    // 1000 × 0.5 + 234.5 × 0.4 + 100 = 500 + 93.8 + 100 = 693.8 → 694
    const mid = graduatedCharge({ tiers }, d("1234.5"))
    expect(mid.steps[1]).toEqual({ tier: 1, from: "1000", upTo: 5000, quantity: "234.5", unitAmountDecimal: "0.4", flatAmount: 100, amount: "193.8" })
    expect([mid.exactAmount, mid.amount]).toEqual(["693.8", 694])
    // 500 + 4000 × 0.4 + 100 = 2200
    expect(graduatedCharge({ tiers }, d("5000")).amount).toBe(2200)
    // 2200 + 1000 × 0.25 = 2450
    expect(graduatedCharge({ tiers }, d("6000")).steps).toHaveLength(3)
    expect(graduatedCharge({ tiers }, d("6000")).amount).toBe(2450)
  })

  it("rounds the whole charge once, not each tier", () => {
    // 1 × 0.4 + 1 × 0.4 = 0.8 → 1 (tier by tier it would be 0 + 0)
    const split = [{ upTo: 1, unitAmountDecimal: "0.4" }, { upTo: null, unitAmountDecimal: "0.4" }]
    expect(graduatedCharge({ tiers: split }, d("2")).amount).toBe(1)
  })
})

describe("volume", () => {
  it("prices every unit at the tier the whole quantity falls in", () => {
    expect(volumeCharge({ tiers }, d("0"))).toMatchObject({ steps: [], amount: 0 })
    // exactly at 1000: still the first tier, 1000 × 0.5 = 500
    expect(volumeCharge({ tiers }, d("1000"))).toEqual({
      chargeModel: "volume",
      quantity: "1000",
      steps: [{ tier: 0, upTo: 1000, quantity: "1000", unitAmountDecimal: "0.5", flatAmount: 0, amount: "500" }],
      exactAmount: "500",
      amount: 500
    })
    // 1000.5 × 0.4 + 100 = 500.2 → 500
    expect(volumeCharge({ tiers }, d("1000.5")).amount).toBe(500)
    // 1234.5 × 0.4 + 100 = 593.8 → 594
    expect(volumeCharge({ tiers }, d("1234.5")).amount).toBe(594)
    // 5000 × 0.4 + 100 = 2100
    expect(volumeCharge({ tiers }, d("5000")).amount).toBe(2100)
    // 5001 × 0.25 = 1250.25 → 1250: volume pricing may drop at a bound
    expect(volumeCharge({ tiers }, d("5001")).amount).toBe(1250)
  })
})

describe("package", () => {
  it("charges each started package", () => {
    const model = { packageSize: 100, amount: 500 }
    expect(packageCharge(model, d("0")).amount).toBe(0)
    expect(packageCharge(model, d("0.001")).amount).toBe(500)
    expect(packageCharge(model, d("1")).amount).toBe(500)
    expect(packageCharge(model, d("100")).amount).toBe(500)
    expect(packageCharge(model, d("100.5")).amount).toBe(1000)
    expect(packageCharge(model, d("200")).amount).toBe(1000)
    // ceil(1234.5 / 100) = 13 packages × 500 = 6500
    expect(packageCharge(model, d("1234.5"))).toEqual({
      chargeModel: "package",
      quantity: "1234.5",
      steps: [{ packageSize: 100, quantity: "13", unitAmountDecimal: "500", flatAmount: 0, amount: "6500" }],
      exactAmount: "6500",
      amount: 6500
    })
    // 1200 written with a negative scale: 12 packages
    expect(packageCharge(model, BigDecimal.make(12n, -2)).amount).toBe(6000)
  })
})

describe("charge", () => {
  it("dispatches on the model", () => {
    const q = d("1234.5")
    expect(charge({ chargeModel: "per_unit", unitAmountDecimal: "0.5" }, q).amount).toBe(617)
    expect(charge({ chargeModel: "graduated", tiers }, q).amount).toBe(694)
    expect(charge({ chargeModel: "volume", tiers }, q).amount).toBe(594)
    expect(charge({ chargeModel: "package", packageSize: 100, amount: 500 }, q).amount).toBe(6500)
  })

  it("refuses malformed models and negative quantities", () => {
    const bad = (model: Parameters<typeof charge>[0], q = d("1")) => expect(() => charge(model, q)).toThrow(RangeError)
    bad({ chargeModel: "per_unit", unitAmountDecimal: "0.5" }, d("-1"))
    bad({ chargeModel: "per_unit", unitAmountDecimal: "abc" })
    bad({ chargeModel: "per_unit", unitAmountDecimal: "" })
    bad({ chargeModel: "per_unit", unitAmountDecimal: "-0.5" })
    bad({ chargeModel: "graduated", tiers: [] })
    bad({ chargeModel: "graduated", tiers: [{ upTo: 10, unitAmountDecimal: "1" }] }) // last tier bounded
    bad({ chargeModel: "volume", tiers: [{ upTo: null, unitAmountDecimal: "1" }, { upTo: null, unitAmountDecimal: "1" }] })
    bad({ chargeModel: "graduated", tiers: [{ upTo: 10, unitAmountDecimal: "1" }, { upTo: 10, unitAmountDecimal: "1" }, { upTo: null, unitAmountDecimal: "1" }] })
    bad({ chargeModel: "graduated", tiers: [{ upTo: 0, unitAmountDecimal: "1" }, { upTo: null, unitAmountDecimal: "1" }] })
    bad({ chargeModel: "graduated", tiers: [{ upTo: 1.5, unitAmountDecimal: "1" }, { upTo: null, unitAmountDecimal: "1" }] })
    bad({ chargeModel: "volume", tiers: [{ upTo: null, unitAmountDecimal: "1", flatAmount: -1 }] })
    bad({ chargeModel: "package", packageSize: 0, amount: 500 })
    bad({ chargeModel: "package", packageSize: 10, amount: 0.5 })
  })
})

// Exact quantities up to 10^10 with up to 6 decimals; unit amounts up to 10^4 minor units.
// Within the line bound (Bounds.ts): 9 × 10^7 × 10^4 per unit + flat amounts < 10^12.
const quantities = fc.tuple(fc.bigInt({ min: 0n, max: 9n * 10n ** 7n }), fc.integer({ min: 0, max: 6 })).map(([v, s]) => BigDecimal.make(v, s))
const unitAmounts = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 4n }), fc.integer({ min: 0, max: 6 })).map(([v, s]) => BigDecimal.format(BigDecimal.make(v, s)))
const tierLists = fc
  .array(fc.record({ gap: fc.integer({ min: 1, max: 1_000_000 }), unitAmountDecimal: unitAmounts, flatAmount: fc.integer({ min: 0, max: 100_000 }) }), { minLength: 1, maxLength: 6 })
  .map((raw) => {
    let upTo = 0
    return raw.map((t, i): Tier => {
      upTo += t.gap
      return { upTo: i === raw.length - 1 ? null : upTo, unitAmountDecimal: t.unitAmountDecimal, flatAmount: t.flatAmount }
    })
  })

describe("charge model properties", () => {
  it("graduated charges never decrease as the quantity grows", () => {
    fc.assert(
      fc.property(tierLists, quantities, quantities, (tiers, a, b) => {
        const [low, high] = BigDecimal.lessThanOrEqualTo(a, b) ? [a, b] : [b, a]
        expect(graduatedCharge({ tiers }, low).amount).toBeLessThanOrEqual(graduatedCharge({ tiers }, high).amount)
      })
    )
  })

  it("one unbounded tier is per-unit pricing (plus its flat amount for volume)", () => {
    fc.assert(
      fc.property(unitAmounts, fc.integer({ min: 0, max: 100_000 }), quantities, (unitAmountDecimal, flatAmount, q) => {
        const perUnit = perUnitCharge({ unitAmountDecimal }, q).amount
        expect(graduatedCharge({ tiers: [{ upTo: null, unitAmountDecimal }] }, q).amount).toBe(perUnit)
        const flat = BigDecimal.isZero(q) ? 0 : flatAmount
        expect(volumeCharge({ tiers: [{ upTo: null, unitAmountDecimal, flatAmount }] }, q).amount)
          .toBe(roundMinor(BigDecimal.sum(BigDecimal.multiply(q, d(unitAmountDecimal)), BigDecimal.fromBigInt(BigInt(flat)))))
      })
    )
  })

  it("rounds the exact sum of its steps once, and graduated steps cover the quantity exactly", () => {
    fc.assert(
      fc.property(tierLists, quantities, (tiers, q) => {
        for (const result of [graduatedCharge({ tiers }, q), volumeCharge({ tiers }, q)]) {
          const exact = result.steps.reduce((acc, s) => BigDecimal.sum(acc, d(s.amount)), d("0"))
          expect(BigDecimal.equals(exact, d(result.exactAmount))).toBe(true)
          expect(result.amount).toBe(roundMinor(exact))
        }
        const covered = graduatedCharge({ tiers }, q).steps.reduce((acc, s) => BigDecimal.sum(acc, d(s.quantity)), d("0"))
        expect(BigDecimal.equals(covered, q)).toBe(true)
      })
    )
  })

  it("package counts the fewest packages that hold the quantity", () => {
    fc.assert(
      fc.property(quantities, fc.integer({ min: 1, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (q, packageSize, amount) => {
        const packages = d(packageCharge({ packageSize, amount }, q).steps[0].quantity)
        const size = BigDecimal.fromBigInt(BigInt(packageSize))
        expect(BigDecimal.isInteger(packages)).toBe(true)
        expect(BigDecimal.greaterThanOrEqualTo(BigDecimal.multiply(packages, size), q)).toBe(true)
        expect(BigDecimal.lessThan(BigDecimal.multiply(BigDecimal.subtract(packages, d("1")), size), q) || BigDecimal.isZero(q)).toBe(true)
      })
    )
  })
})
