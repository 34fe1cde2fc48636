/**
 * Pricing usage: a usage price's charge model, and the charge for a quantity, which must fit one
 * invoice line. Used by recording (the priceability check), estimates and invoicing.
 */
import { BigDecimal, Effect } from "effect"
import { AmountOutOfRange, formatBound, maxLineAmount, shorten } from "../kernel/Bounds.js"
import { ChargeModels } from "../catalog/domain/index.js"
import { Conflict } from "../kernel/Errors.js"
import type { Price } from "../catalog/domain/index.js"
import { chargeable, plain } from "./domain/UsageRollup.js"

export type UsagePrice = Price & { readonly metric: string; readonly chargeModel: ChargeModels.ChargeModel["chargeModel"] }

const modelOf = (price: UsagePrice): ChargeModels.ChargeModel => {
  switch (price.chargeModel) {
    case "per_unit":
      return { chargeModel: "per_unit", unitAmountDecimal: price.unitAmountDecimal ?? "0" }
    case "graduated":
    case "volume":
      return { chargeModel: price.chargeModel, tiers: (price.tiers ?? []).map((t) => ({ upTo: t.upTo, unitAmountDecimal: t.unitAmountDecimal, flatAmount: t.flatAmount })) }
    case "package":
      return { chargeModel: "package", packageSize: price.packageSize ?? 1, amount: price.amount }
  }
}

/** The charge for a quantity, rounded once; a negative net quantity charges nothing. */
const chargeFor = (price: UsagePrice, quantity: BigDecimal.BigDecimal): number =>
  ChargeModels.charge(modelOf(price), chargeable(quantity)).amount

/**
 * chargeFor as an Effect: a charge past the line bound (Bounds.ts) fails with a Conflict naming
 * the metric instead of throwing, so a view answers 409 and the billing loop reports the step.
 */
export const chargeOrFail = (price: UsagePrice, quantity: BigDecimal.BigDecimal, code: string): Effect.Effect<number, Conflict> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(chargeFor(price, quantity))
    } catch (error) {
      if (!(error instanceof AmountOutOfRange)) throw error
      return Effect.fail(tooCostly(code, quantity))
    }
  })

export const tooCostly = (code: string, quantity: BigDecimal.BigDecimal) =>
  new Conflict({
    field: "usage",
    message: `the usage of metric ${shorten(code)} (quantity ${shorten(plain(quantity))}) costs more than one invoice line may carry (${formatBound(maxLineAmount)} minor units)`
  })
