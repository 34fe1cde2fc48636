import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Price, PriceCreate, PriceUpdate } from "../domain/Price.js"
import { Product } from "../domain/Product.js"
import { Authentication } from "../../http/Principal.js"
import { Expand, ListOf, PageParams } from "../../http/Lists.js"
import { ConnectionParam } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

/** A price as answered: `product` is an id, or the product itself with `expand=product`. */
export const PriceView = Schema.Struct({ ...Price.fields, product: Schema.Union(Schema.String, Product) }).annotations({
  identifier: "Price"
})
const PriceList = ListOf(PriceView, "Price")
const ListParams = { ...PageParams, ...Expand, currency: Schema.optional(Schema.String) }

export class PricesGroup extends HttpApiGroup.make("prices")
  .add(
    HttpApiEndpoint.post("create")`/v1/products/${id}/prices`
      .setPayload(PriceCreate)
      .addSuccess(PriceView, { status: 201 })
      .annotate(OpenApi.Summary, "Create a price of a product")
      .annotate(OpenApi.Description, "An amount in one currency on a schedule (`week`, `month`, `year`, `one-off`), " +
        "optionally charged per unit, graduated, by volume or by package; amounts cannot be changed later, `public` and `metadata` can.")
  )
  .add(
    HttpApiEndpoint.get("listForProduct")`/v1/products/${id}/prices`
      .setUrlParams(Schema.Struct(ListParams))
      .addSuccess(PriceList)
      .annotate(OpenApi.Summary, "List a product's prices")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/prices")
      .setUrlParams(Schema.Struct({ ...ListParams, ...ConnectionParam, product: Schema.optional(Schema.String) }))
      .addSuccess(PriceList)
      .annotate(OpenApi.Summary, "List prices")
      .annotate(OpenApi.Description, "Publishable keys see public prices only.")
  )
  .add(
    HttpApiEndpoint.get("retrieve")`/v1/prices/${id}`
      .setUrlParams(Schema.Struct(Expand))
      .addSuccess(PriceView)
      .annotate(OpenApi.Summary, "Retrieve a price")
  )
  .add(
    HttpApiEndpoint.patch("update")`/v1/prices/${id}`
      .setPayload(PriceUpdate)
      .addSuccess(PriceView)
      .annotate(OpenApi.Summary, "Update a price's `public` flag and metadata")
      .annotate(OpenApi.Description, "Amounts never change.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Prices")
  .annotate(OpenApi.Description, "Amounts in minor units of an ISO 4217 currency, one-off or recurring weekly, monthly or yearly. Immutable once created but for `public` and `metadata`.")
{}
