/**
 * Prices: an amount in a currency, charged once (`one-off`) or every week, month or year.
 * A price with a `metric` is a usage price: billed in arrears each period on the quantity its
 * metric aggregated, with a charge model (`per_unit`, `graduated`, `volume`, `package`). A price
 * is immutable once used, so `PATCH` changes only `public` and `metadata`.
 */
import { ParseResult, Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { Metadata } from "../../kernel/Metadata.js"
import { maxAmount, maxDecimals, maxTierUpTo } from "../../kernel/Bounds.js"
import { InputAmount, MinorAmount } from "../../kernel/Money.js"
import { integerRange, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"
import { providerLinkFields } from "../../kernel/ProviderLink.js"

export const Schedule = Schema.Literal("week", "month", "year", "one-off")
export type Schedule = typeof Schedule.Type

export const ChargeModel = Schema.Literal("per_unit", "graduated", "volume", "package").annotations({ identifier: "ChargeModel" })
export type ChargeModel = typeof ChargeModel.Type

// At most 12 whole digits: maxAmount (Bounds.ts) is 10^12 − 1 minor units per unit.
const decimalPattern = /^\d{1,12}(\.\d{1,12})?$/
const decimalMessage = `must be a non-negative decimal string of minor units, at most ${maxAmount} with at most ${maxDecimals} decimals, e.g. "0.0125"`

/** Minor units per unit as an exact decimal string ("0.0125" is 1/80 of a cent in EUR). */
export const UnitAmountDecimal = Schema.String.annotations({
  identifier: "UnitAmountDecimal",
  description: "Minor units per unit, a decimal string (\"0.0125\").",
  examples: ["0.0125"]
})

/** On input a number is accepted too; either way it is kept as a normalized decimal string. */
const UnitAmountDecimalInput = Schema.transformOrFail(
  Schema.Union(Schema.String, Schema.Number),
  Schema.String,
  {
    strict: true,
    decode: (input, _, ast) => {
      const text = typeof input === "number" ? (Number.isFinite(input) && input >= 0 ? String(input) : "") : input.trim()
      if (!decimalPattern.test(text)) return ParseResult.fail(new ParseResult.Type(ast, input, decimalMessage))
      const [whole, fraction = ""] = text.split(".")
      const digits = fraction.replace(/0+$/, "")
      return ParseResult.succeed(`${whole.replace(/^0+(?=\d)/, "")}${digits === "" ? "" : `.${digits}`}`)
    },
    encode: ParseResult.succeed
  }
).annotations({ description: "Minor units per unit: a non-negative decimal string (\"0.0125\") or number." })

export const PriceTier = Schema.Struct({
  upTo: wire("up_to", Schema.NullOr(Schema.Int)),
  unitAmountDecimal: wire("unit_amount_decimal", UnitAmountDecimal),
  flatAmount: wire("flat_amount", MinorAmount)
}).annotations({ identifier: "PriceTier" })
export type PriceTier = typeof PriceTier.Type

const TierInput = Schema.Struct({
  upTo: wire("up_to", Schema.NullOr(Schema.Int.pipe(Schema.between(1, maxTierUpTo, { message: () => `must be a positive integer up to ${maxTierUpTo}, or null` })).annotations(integerRange(1, maxTierUpTo)))),
  unitAmountDecimal: optionalWire("unit_amount_decimal", UnitAmountDecimalInput),
  flatAmount: optionalWire("flat_amount", InputAmount)
}).annotations({ ...strict })

const usageFields = {
  /** The metric (id) whose aggregate this price charges; absent on licensed prices. */
  metric: Schema.optional(Schema.String),
  chargeModel: optionalWire("charge_model", ChargeModel),
  unitAmountDecimal: optionalWire("unit_amount_decimal", UnitAmountDecimal),
  tiers: Schema.optional(Schema.Array(PriceTier)),
  packageSize: optionalWire("package_size", Schema.Int)
}

export const Price = Schema.Struct({
  id: Id("price"),
  object: Schema.Literal("price"),
  product: Schema.String,
  amount: MinorAmount,
  currency: Currency,
  recurring: Schema.Boolean,
  schedule: Schedule,
  includingTax: wire("including_tax", Schema.Boolean),
  public: Schema.Boolean,
  metadata: Metadata,
  ...usageFields,
  ...providerLinkFields,
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Price" })

/** A usage price (one with a metric): billed in arrears on its metric's aggregate. */
export const isUsagePrice = (price: Price): price is Price & { readonly metric: string; readonly chargeModel: ChargeModel } =>
  price.metric !== undefined && price.chargeModel !== undefined
export type Price = typeof Price.Type

export const PriceCreate = Schema.Struct({
  /** Required, except on usage prices, where it is the amount per package (`package`) or 0. */
  amount: Schema.optional(InputAmount),
  currency: Currency,
  recurring: Schema.optional(Schema.Boolean),
  schedule: Schema.optional(Schedule),
  includingTax: optionalWire("including_tax", Schema.Boolean),
  public: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Metadata),
  metric: Schema.optional(Schema.String.annotations({ description: "A metric id (`met_…`) or code: makes this a usage price." })),
  chargeModel: optionalWire("charge_model", ChargeModel),
  unitAmountDecimal: optionalWire("unit_amount_decimal", UnitAmountDecimalInput),
  tiers: Schema.optional(Schema.Array(TierInput).pipe(Schema.minItems(1), Schema.maxItems(20))),
  packageSize: optionalWire("package_size", Schema.Int.pipe(Schema.between(1, 1_000_000_000, { message: () => "must be a whole number from 1 to 1000000000" })).annotations(integerRange(1, 1_000_000_000)))
}).annotations({ identifier: "PriceCreate", ...strict })
export type PriceCreate = typeof PriceCreate.Type

export const PriceUpdate = Schema.Struct({
  public: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Metadata)
}).annotations({ identifier: "PriceUpdate", ...strict })
export type PriceUpdate = typeof PriceUpdate.Type
