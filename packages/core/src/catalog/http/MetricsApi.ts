import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Metric, MetricCreate, MetricUpdate } from "../domain/Metric.js"
import { ListOf, PageParams } from "../../http/Lists.js"
import { Authentication } from "../../http/Principal.js"

const id = HttpApiSchema.param("id", Schema.String)

export class MetricsGroup extends HttpApiGroup.make("metrics")
  .add(
    HttpApiEndpoint.post("create", "/v1/metrics")
      .setPayload(MetricCreate)
      .addSuccess(Metric, { status: 201 })
      .annotate(OpenApi.Summary, "Create a metric")
      .annotate(OpenApi.Description, "409 when the code is taken. `aggregation_property` is required except for `count`.")
  )
  .add(HttpApiEndpoint.get("list", "/v1/metrics").setUrlParams(Schema.Struct(PageParams)).addSuccess(ListOf(Metric, "Metric")).annotate(OpenApi.Summary, "List metrics"))
  .add(HttpApiEndpoint.get("retrieve")`/v1/metrics/${id}`.addSuccess(Metric).annotate(OpenApi.Summary, "Retrieve a metric by id or code"))
  .add(
    HttpApiEndpoint.patch("update")`/v1/metrics/${id}`
      .setPayload(MetricUpdate)
      .addSuccess(Metric)
      .annotate(OpenApi.Summary, "Update a metric")
      .annotate(OpenApi.Description, "`name` and `description` always; `code`, the aggregation and the filters only until the first usage event (then 409).")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Metrics")
  .annotate(
    OpenApi.Description,
    "What usage events of one `code` add up to in a period: `count`, `sum`, `max`, `unique_count` (distinct values of `aggregation_property`), " +
      "`latest` (by event timestamp) or `weighted_sum` (event values are increments of a held amount, weighted by how long it was held). " +
      "An event's quantity is `properties[aggregation_property]` when present, else its `value`. `inclusive` filters keep only events " +
      "whose property equals the value (several on one property are alternatives); `exclusive` filters drop them."
  )
{}
