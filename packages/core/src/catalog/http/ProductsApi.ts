import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Product, ProductCreate, ProductUpdate } from "../domain/Product.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"
import { ConnectionParam } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

export class ProductsGroup extends HttpApiGroup.make("products")
  .add(HttpApiEndpoint.post("create", "/v1/products").setPayload(ProductCreate).addSuccess(Product, { status: 201 })
    .annotate(OpenApi.Summary, "Create a product")
    .annotate(OpenApi.Description, "A product is what is sold; add prices to it, then plans over those prices. Unknown fields are a 422."))
  .add(
    HttpApiEndpoint.get("list", "/v1/products")
      .setUrlParams(Schema.Struct({ ...PageParams, ...ConnectionParam, active: Schema.optional(Schema.BooleanFromString) }))
      .addSuccess(ListOf(Product, "Product"))
      .annotate(OpenApi.Summary, "List products")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/products/${id}`.addSuccess(Product).annotate(OpenApi.Summary, "Retrieve a product"))
  .add(HttpApiEndpoint.patch("update")`/v1/products/${id}`.setPayload(ProductUpdate).addSuccess(Product)
    .annotate(OpenApi.Summary, "Update a product")
    .annotate(OpenApi.Description, "Omitted fields keep their value; an empty body changes nothing."))
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Products")
  .annotate(OpenApi.Description, "What is sold; prices and plans hang off a product.")
{}
