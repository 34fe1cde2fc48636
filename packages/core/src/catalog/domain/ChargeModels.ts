/**
 * Usage charge models (API.md §3): how a period's aggregated quantity becomes an amount. The
 * quantity and unit amounts are exact decimals; unit amounts are in MINOR units per unit and may
 * be fractional (like Stripe's `unit_amount_decimal`: "0.5" is half a cent per unit in EUR).
 * Each step of the calculation stays exact, and the whole charge is rounded once, at the end,
 * half away from zero. The steps are returned too, so an invoice can explain the amount.
 *
 * Tiers follow Stripe's convention: a tier covers quantities above the previous tier's `upTo`
 * up to and including its own, and the last tier is unbounded (`upTo: null`).
 */
import { BigDecimal, Option } from "effect"
import { AmountOutOfRange, fitsLine, shorten } from "../../kernel/Bounds.js"
import { roundMinor } from "../../kernel/Money.js"

export interface Tier {
  /** Inclusive upper bound of the tier in units; `null` = no bound (the last tier only). */
  readonly upTo: number | null
  /** Minor units per unit in this tier, a non-negative decimal string ("0.5", "12"). */
  readonly unitAmountDecimal: string
  /** Minor units added once when any quantity falls in this tier. */
  readonly flatAmount?: number
}

/** Every unit at the same price. */
export interface PerUnitModel {
  readonly chargeModel: "per_unit"
  readonly unitAmountDecimal: string
}

/** Each tier prices the units that fall in it, plus its flat amount if any unit does. */
export interface GraduatedModel {
  readonly chargeModel: "graduated"
  readonly tiers: ReadonlyArray<Tier>
}

/** The one tier the whole quantity falls in prices every unit, plus that tier's flat amount. */
export interface VolumeModel {
  readonly chargeModel: "volume"
  readonly tiers: ReadonlyArray<Tier>
}

/** `amount` per started package of `packageSize` units: packages = ceil(quantity / size). */
export interface PackageModel {
  readonly chargeModel: "package"
  readonly packageSize: number
  readonly amount: number
}

export type ChargeModel = PerUnitModel | GraduatedModel | VolumeModel | PackageModel

/** One step of a charge, exact and unrounded. Decimals are plain strings ("1234.5"). */
export interface ChargeStep {
  /** graduated and volume: the tier's index. */
  readonly tier?: number
  /** graduated: the units priced here are those above `from`, up to `upTo`. */
  readonly from?: string
  readonly upTo?: number | null
  /** package: units per package. */
  readonly packageSize?: number
  /** Units priced by this step; for `package`, the number of packages. */
  readonly quantity: string
  /** Minor units per unit (per package for `package`). */
  readonly unitAmountDecimal: string
  readonly flatAmount: number
  /** quantity × unitAmountDecimal + flatAmount, exact. */
  readonly amount: string
}

export interface Charge {
  readonly chargeModel: ChargeModel["chargeModel"]
  readonly quantity: string
  readonly steps: ReadonlyArray<ChargeStep>
  /** Σ step amounts, exact, in minor units. */
  readonly exactAmount: string
  /** exactAmount rounded once, half away from zero. */
  readonly amount: number
}

const zero = BigDecimal.fromBigInt(0n)

/** A decimal without exponent notation, so explanations read like the inputs did. */
const plain = (n: BigDecimal.BigDecimal): string => {
  const { scale, value } = BigDecimal.normalize(n)
  if (scale <= 0) return (value * 10n ** BigInt(-scale)).toString()
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0")
  return `${negative ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`
}

const parseAmount = (name: string, decimal: string): BigDecimal.BigDecimal => {
  const parsed = decimal.trim() === "" ? undefined : Option.getOrUndefined(BigDecimal.fromString(decimal.trim()))
  if (parsed === undefined || BigDecimal.isNegative(parsed)) {
    throw new RangeError(`${name} must be a non-negative decimal string, got ${JSON.stringify(shorten(decimal))}`)
  }
  return parsed
}

const assertNonNegativeInteger = (name: string, value: number): void => {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`)
}

const assertQuantity = (quantity: BigDecimal.BigDecimal): void => {
  if (BigDecimal.isNegative(quantity)) throw new RangeError(`a usage quantity must not be negative, got ${plain(quantity)}`)
}

/** Tiers must rise strictly and end unbounded, so every quantity falls in exactly one. */
const checkTiers = (tiers: ReadonlyArray<Tier>): void => {
  if (tiers.length === 0) throw new RangeError("a tiered charge model needs at least one tier")
  tiers.forEach((tier, i) => {
    const last = i === tiers.length - 1
    if (last !== (tier.upTo === null)) throw new RangeError(`only the last tier is unbounded (upTo: null); tier ${i} is not`)
    if (tier.upTo !== null) {
      assertNonNegativeInteger(`tiers[${i}].upTo`, tier.upTo)
      const previous = i === 0 ? 0 : tiers[i - 1].upTo!
      if (tier.upTo <= previous) throw new RangeError(`tier upTo values must rise strictly; tier ${i} has ${tier.upTo} after ${previous}`)
    }
    assertNonNegativeInteger(`tiers[${i}].flatAmount`, tier.flatAmount ?? 0)
    parseAmount(`tiers[${i}].unitAmountDecimal`, tier.unitAmountDecimal)
  })
}

const step = (
  quantity: BigDecimal.BigDecimal,
  unitAmountDecimal: string,
  flatAmount: number,
  extra: Omit<ChargeStep, "quantity" | "unitAmountDecimal" | "flatAmount" | "amount">
): { readonly exact: BigDecimal.BigDecimal; readonly step: ChargeStep } => {
  const unit = parseAmount("unitAmountDecimal", unitAmountDecimal)
  const exact = BigDecimal.sum(BigDecimal.multiply(quantity, unit), BigDecimal.fromBigInt(BigInt(flatAmount)))
  return { exact, step: { ...extra, quantity: plain(quantity), unitAmountDecimal: plain(unit), flatAmount, amount: plain(exact) } }
}

const total = (
  chargeModel: ChargeModel["chargeModel"],
  quantity: BigDecimal.BigDecimal,
  parts: ReadonlyArray<{ readonly exact: BigDecimal.BigDecimal; readonly step: ChargeStep }>
): Charge => {
  const exact = parts.reduce((acc, part) => BigDecimal.sum(acc, part.exact), zero)
  // Past the line bound (Bounds.ts) a charge cannot go on an invoice exactly: callers refuse it.
  if (!fitsLine(exact)) throw new AmountOutOfRange("usage charge", plain(exact))
  return { chargeModel, quantity: plain(quantity), steps: parts.map((p) => p.step), exactAmount: plain(exact), amount: roundMinor(exact) }
}

export const perUnitCharge = (model: Omit<PerUnitModel, "chargeModel">, quantity: BigDecimal.BigDecimal): Charge => {
  assertQuantity(quantity)
  return total("per_unit", quantity, [step(quantity, model.unitAmountDecimal, 0, {})])
}

export const graduatedCharge = (model: Omit<GraduatedModel, "chargeModel">, quantity: BigDecimal.BigDecimal): Charge => {
  assertQuantity(quantity)
  checkTiers(model.tiers)
  const parts: Array<ReturnType<typeof step>> = []
  let from = zero
  for (const [index, tier] of model.tiers.entries()) {
    if (BigDecimal.lessThanOrEqualTo(quantity, from)) break
    const upper = tier.upTo === null ? quantity : BigDecimal.min(quantity, BigDecimal.fromBigInt(BigInt(tier.upTo)))
    parts.push(step(BigDecimal.subtract(upper, from), tier.unitAmountDecimal, tier.flatAmount ?? 0, { tier: index, from: plain(from), upTo: tier.upTo }))
    if (tier.upTo === null) break
    from = BigDecimal.fromBigInt(BigInt(tier.upTo))
  }
  return total("graduated", quantity, parts)
}

/** A zero quantity falls in no tier and costs nothing, as with graduated tiers. */
export const volumeCharge = (model: Omit<VolumeModel, "chargeModel">, quantity: BigDecimal.BigDecimal): Charge => {
  assertQuantity(quantity)
  checkTiers(model.tiers)
  if (BigDecimal.isZero(quantity)) return total("volume", quantity, [])
  const index = model.tiers.findIndex((t) => t.upTo === null || BigDecimal.lessThanOrEqualTo(quantity, BigDecimal.fromBigInt(BigInt(t.upTo))))
  const tier = model.tiers[index]
  return total("volume", quantity, [step(quantity, tier.unitAmountDecimal, tier.flatAmount ?? 0, { tier: index, upTo: tier.upTo })])
}

/** ceil(q / size) for q ≥ 0 and an integer size ≥ 1, exactly. */
const packagesFor = (quantity: BigDecimal.BigDecimal, packageSize: number): bigint => {
  const { scale, value } = BigDecimal.normalize(quantity)
  const numerator = scale <= 0 ? value * 10n ** BigInt(-scale) : value
  const denominator = BigInt(packageSize) * (scale <= 0 ? 1n : 10n ** BigInt(scale))
  return (numerator + denominator - 1n) / denominator
}

export const packageCharge = (model: Omit<PackageModel, "chargeModel">, quantity: BigDecimal.BigDecimal): Charge => {
  assertQuantity(quantity)
  assertNonNegativeInteger("packageSize", model.packageSize)
  if (model.packageSize === 0) throw new RangeError("packageSize must be at least 1")
  assertNonNegativeInteger("amount", model.amount)
  const packages = BigDecimal.fromBigInt(packagesFor(quantity, model.packageSize))
  return total("package", quantity, [step(packages, String(model.amount), 0, { packageSize: model.packageSize })])
}

/** The charge for a period's quantity under any model. */
export const charge = (model: ChargeModel, quantity: BigDecimal.BigDecimal): Charge => {
  switch (model.chargeModel) {
    case "per_unit":
      return perUnitCharge(model, quantity)
    case "graduated":
      return graduatedCharge(model, quantity)
    case "volume":
      return volumeCharge(model, quantity)
    case "package":
      return packageCharge(model, quantity)
  }
}
