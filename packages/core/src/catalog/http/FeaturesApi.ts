import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Feature, FeatureCreate, FeatureUpdate } from "../domain/Feature.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

export class FeaturesGroup extends HttpApiGroup.make("features")
  .add(HttpApiEndpoint.post("create", "/v1/features").setPayload(FeatureCreate).addSuccess(Feature, { status: 201 }).annotate(OpenApi.Summary, "Create a feature")
      .annotate(OpenApi.Description, "409 when the code is taken."))
  .add(HttpApiEndpoint.get("list", "/v1/features").setUrlParams(Schema.Struct(PageParams)).addSuccess(ListOf(Feature, "Feature")).annotate(OpenApi.Summary, "List features"))
  .add(HttpApiEndpoint.get("retrieve")`/v1/features/${id}`.addSuccess(Feature).annotate(OpenApi.Summary, "Retrieve a feature"))
  .add(HttpApiEndpoint.patch("update")`/v1/features/${id}`.setPayload(FeatureUpdate).addSuccess(Feature)
    .annotate(OpenApi.Summary, "Update a feature")
    .annotate(OpenApi.Description, "Omitted fields keep their value. A `code` another feature has is a 409."))
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Features")
  .annotate(OpenApi.Description, "Capabilities a plan grants, checked by your app by `code`.")
{}
