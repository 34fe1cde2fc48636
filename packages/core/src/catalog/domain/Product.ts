/** Products: what is sold. Prices and plans hang off a product. */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Metadata } from "../../kernel/Metadata.js"
import { NonEmptyTrimmed, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"
import { providerLinkFields } from "../../kernel/ProviderLink.js"

/** Decides which of the customer's tax rates applies: `digital_tax_rate` or `standard_tax_rate`. */
export const TaxType = Schema.Literal("standard", "digital")
export type TaxType = typeof TaxType.Type

export const Product = Schema.Struct({
  id: Id("product"),
  object: Schema.Literal("product"),
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  taxType: wire("tax_type", TaxType),
  physical: Schema.Boolean,
  active: Schema.Boolean,
  metadata: Metadata,
  ...providerLinkFields,
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "Product" })
export type Product = typeof Product.Type

const fields = {
  description: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(2000)))),
  taxType: optionalWire("tax_type", TaxType),
  physical: Schema.optional(Schema.Boolean),
  active: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Metadata)
}

export const ProductCreate = Schema.Struct({ name: NonEmptyTrimmed(200), ...fields }).annotations({
  identifier: "ProductCreate",
  ...strict
})
export type ProductCreate = typeof ProductCreate.Type

export const ProductUpdate = Schema.Struct({ name: Schema.optional(NonEmptyTrimmed(200)), ...fields }).annotations({
  identifier: "ProductUpdate",
  ...strict
})
export type ProductUpdate = typeof ProductUpdate.Type
