import { BigDecimal } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { formatMajor, fromMajor, lineAmount, roundMinor } from "../src/kernel/Money.js"
import { minorUnitExponent } from "../src/kernel/Currency.js"

const d = BigDecimal.unsafeFromString

describe("money", () => {
  it("rounds half away from zero, once", () => {
    expect(roundMinor(d("2.5"))).toBe(3)
    expect(roundMinor(d("-2.5"))).toBe(-3)
    expect(roundMinor(d("2.4999999"))).toBe(2)
    expect(roundMinor(d("0.5"))).toBe(1)
    expect(roundMinor(d("-0.5"))).toBe(-1)
  })

  it("computes a line as quantity × unit amount with one rounding", () => {
    // 1434.33 units at 0.0125 cents = 17.929125 cents → 18
    expect(lineAmount(d("1434.33"), d("0.0125"))).toBe(18)
    // 3 seats at 1999 cents = 5997 exactly
    expect(lineAmount(d("3"), d("1999"))).toBe(5997)
  })

  it("knows each currency's minor unit", () => {
    expect(minorUnitExponent("EUR")).toBe(2)
    expect(minorUnitExponent("JPY")).toBe(0)
    expect(minorUnitExponent("KWD")).toBe(3)
    expect(fromMajor(d("12.345"), "KWD")).toBe(12345)
    expect(fromMajor(d("12.345"), "EUR")).toBe(1235)
    expect(fromMajor(d("1200.5"), "JPY")).toBe(1201)
    expect(formatMajor(1050, "EUR")).toBe("10.5")
    expect(formatMajor(5, "JPY")).toBe("5")
    expect(formatMajor(12345, "KWD")).toBe("12.345")
  })

  it("never rounds by more than half a minor unit, symmetrically (property)", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.integer({ min: 0, max: 12 }), (value, scale) => {
        const exact = BigDecimal.make(value, scale)
        const rounded = roundMinor(exact)
        const error = BigDecimal.abs(BigDecimal.subtract(exact, BigDecimal.fromBigInt(BigInt(rounded))))
        expect(BigDecimal.lessThanOrEqualTo(error, d("0.5"))).toBe(true)
        expect(roundMinor(BigDecimal.negate(exact))).toBe(rounded === 0 ? 0 : -rounded)
      })
    )
  })
})
