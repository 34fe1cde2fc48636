/**
 * Money: an integer of minor units with its currency. Quantities and sub-minor unit prices are
 * exact decimals (BigDecimal); one rounding per invoice line, half away from zero.
 */
import { BigDecimal, Schema } from "effect"
import { AmountOutOfRange, fitsLine, formatBound, maxAmount } from "./Bounds.js"
import { minorUnitExponent } from "./Currency.js"
import { integerRange } from "./Wire.js"

/** An amount in minor units: a safe, non-negative integer. */
export const MinorAmount = Schema.Int.pipe(
  Schema.nonNegative({ message: () => "must be a non-negative integer of minor units" }),
  Schema.lessThanOrEqualTo(Number.MAX_SAFE_INTEGER)
).annotations({
  identifier: "MinorAmount",
  description: "Integer amount in the currency's minor unit.",
  jsonSchema: { ...integerRange(0, Number.MAX_SAFE_INTEGER).jsonSchema, description: "Integer amount in the currency's minor unit." }
})

/**
 * An amount a client sends (a price, unit amount, voucher, limit…): a non-negative integer of
 * minor units up to `maxAmount` (Bounds.ts), so that any invoice built from it sums exactly.
 */
export const InputAmount = Schema.Int.pipe(
  Schema.nonNegative({ message: () => "must be a non-negative integer of minor units" }),
  Schema.lessThanOrEqualTo(maxAmount, { message: () => `must be at most ${formatBound(maxAmount)} minor units` })
).annotations({
  identifier: "InputAmount",
  description: `Integer amount in the currency's minor unit, at most ${maxAmount}.`,
  jsonSchema: { ...integerRange(0, maxAmount).jsonSchema, description: `Integer amount in the currency's minor unit, at most ${maxAmount}.` }
})

/** A signed amount in minor units, for credits and debits. */
export const SignedMinorAmount = Schema.Int.pipe(
  Schema.between(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)
).annotations({
  identifier: "SignedMinorAmount",
  jsonSchema: { ...integerRange(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).jsonSchema, description: "Signed integer amount in the currency's minor unit." }
})

/** Rounds an exact amount of minor units to an integer, half away from zero. */
export const roundMinor = (minor: BigDecimal.BigDecimal): number => {
  const rounded = BigDecimal.round(minor, { scale: 0, mode: "half-from-zero" })
  const units = BigDecimal.scale(rounded, 0).value
  if (units > BigInt(Number.MAX_SAFE_INTEGER) || units < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new AmountOutOfRange("amount", BigDecimal.format(minor), Number.MAX_SAFE_INTEGER)
  }
  return Number(units)
}

/**
 * The amount of one invoice line: quantity × unit amount (in minor units), rounded once. Throws
 * AmountOutOfRange past `maxLineAmount` (Bounds.ts).
 */
export const lineAmount = (quantity: BigDecimal.BigDecimal, unitAmountMinor: BigDecimal.BigDecimal): number => {
  const exact = BigDecimal.multiply(quantity, unitAmountMinor)
  if (!fitsLine(exact)) throw new AmountOutOfRange("quantity × unit amount", BigDecimal.format(exact))
  return roundMinor(exact)
}

/** Converts a decimal amount of major units ("12.345" KWD) to minor units, rounding once. */
export const fromMajor = (major: BigDecimal.BigDecimal, currency: string): number =>
  roundMinor(BigDecimal.multiply(major, BigDecimal.make(10n ** BigInt(minorUnitExponent(currency)), 0)))

/** Formats minor units as a major-unit decimal string: 1050 EUR → "10.50", 5 JPY → "5". */
export const formatMajor = (amount: number, currency: string): string =>
  BigDecimal.format(BigDecimal.make(BigInt(amount), minorUnitExponent(currency)))

/**
 * An amount for people: `formatMoney(123456, "EUR", "de-DE")` is "1.234,56 €". The exact decimal
 * string goes to Intl (never a float), with the currency's own minor-unit exponent.
 */
export const formatMoney = (amount: number, currency: string, locale = "en"): string => {
  const exponent = minorUnitExponent(currency)
  const options = { style: "currency", currency, minimumFractionDigits: exponent, maximumFractionDigits: exponent } as const
  let format: Intl.NumberFormat
  try {
    format = new Intl.NumberFormat(locale, options)
  } catch {
    format = new Intl.NumberFormat("en", options) // an unknown locale tag falls back, never fails a page
  }
  // Intl takes a decimal string exactly (ES2023); lib ES2022's type says number.
  return format.format(formatMajor(amount, currency) as unknown as number)
}
