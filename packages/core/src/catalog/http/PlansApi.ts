import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Feature } from "../domain/Feature.js"
import { Plan, PlanCreate, PlanUpdate } from "../domain/Plan.js"
import { Product } from "../domain/Product.js"
import { Authentication } from "../../http/Principal.js"
import { Expand, ListOf, PageParams } from "../../http/Lists.js"
import { PriceView } from "./PricesApi.js"
import { ConnectionParam } from "../../http/Lists.js"

const ref = HttpApiSchema.param("ref", Schema.String.annotations({ description: "The plan's id or its `code_name`." }))

/** A plan as answered; `expand=product,prices,features` inlines those records. */
export const PlanView = Schema.Struct({
  ...Plan.fields,
  product: Schema.Union(Schema.String, Product),
  prices: Schema.Array(Schema.Union(Schema.String, PriceView)),
  features: Schema.Array(Schema.Union(Schema.String, Feature))
}).annotations({ identifier: "Plan" })

export class PlansGroup extends HttpApiGroup.make("plans")
  .add(HttpApiEndpoint.post("create", "/v1/plans").setPayload(PlanCreate).addSuccess(PlanView, { status: 201 })
    .annotate(OpenApi.Summary, "Create a plan")
    .annotate(OpenApi.Description, "Groups prices of one product with the features and limits they grant; `code_name` is unique per project and mode (409)."))
  .add(
    HttpApiEndpoint.get("list", "/v1/plans")
      .setUrlParams(Schema.Struct({ ...PageParams, ...Expand, ...ConnectionParam, product: Schema.optional(Schema.String) }))
      .addSuccess(ListOf(PlanView, "Plan"))
      .annotate(OpenApi.Summary, "List plans")
      .annotate(OpenApi.Description, "Publishable keys see public plans only.")
  )
  .add(
    HttpApiEndpoint.get("retrieve")`/v1/plans/${ref}`
      .setUrlParams(Schema.Struct(Expand))
      .addSuccess(PlanView)
      .annotate(OpenApi.Summary, "Retrieve a plan by id or code_name")
  )
  .add(HttpApiEndpoint.patch("update")`/v1/plans/${ref}`.setPayload(PlanUpdate).addSuccess(PlanView)
    .annotate(OpenApi.Summary, "Update a plan by id or code_name")
    .annotate(OpenApi.Description, "Omitted fields keep their value; `{ref}` is the plan's id or its `code_name`."))
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Plans")
  .annotate(OpenApi.Description, "Prices of one product with the features and limits they grant, seats and trials; addressable by id or `code_name`.")
{}
