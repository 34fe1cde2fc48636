/**
 * Prices: an amount in a currency, charged once (`one-off`) or every week, month or year.
 * Usage prices (metered, with charge models) arrive with metering; a price is immutable once
 * used, so `PATCH` changes only `public` and `metadata`.
 */
import { Schema } from "effect"
import { Currency } from "./Currency.js"
import { Id } from "./Ids.js"
import { Metadata } from "./Metadata.js"
import { MinorAmount } from "./Money.js"
import { Timestamp, optionalWire, strict, wire } from "./Wire.js"

export const Schedule = Schema.Literal("week", "month", "year", "one-off")
export type Schedule = typeof Schedule.Type

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
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Price" })
export type Price = typeof Price.Type

export const PriceCreate = Schema.Struct({
  amount: MinorAmount,
  currency: Currency,
  recurring: Schema.optional(Schema.Boolean),
  schedule: Schema.optional(Schedule),
  includingTax: optionalWire("including_tax", Schema.Boolean),
  public: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Metadata)
}).annotations({ identifier: "PriceCreate", ...strict })
export type PriceCreate = typeof PriceCreate.Type

export const PriceUpdate = Schema.Struct({
  public: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Metadata)
}).annotations({ identifier: "PriceUpdate", ...strict })
export type PriceUpdate = typeof PriceUpdate.Type
