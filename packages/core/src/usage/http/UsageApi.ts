import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { JSONSchema, Schema } from "effect"
import { InstantParam } from "../../kernel/Instant.js"
import { IngestResult, maxBatchSize, UsageEvent, UsageEventInput } from "../domain/UsageEvent.js"
import { CustomerCosts, CustomerEntitlements, CustomerUsage, UsageLimit, UsageLimitCreate } from "../domain/UsageLimit.js"
import { ListOf, PageParams } from "../../http/Lists.js"
import { Authentication } from "../../http/Principal.js"

const id = HttpApiSchema.param("id", Schema.String)
const limitId = HttpApiSchema.param("limit", Schema.String)

const eventJsonSchema = (() => {
  const generated = JSONSchema.make(UsageEventInput) as { $defs: Record<string, object> }
  return generated.$defs.UsageEventInput
})()

/**
 * One event, or `{events: [...]}`. Accepted here as any object: each event is then validated on
 * its own, so that one bad event of a batch is reported by index while the others are kept.
 */
const UsageEventsPayload = Schema.Record({ key: Schema.String, value: Schema.Unknown }).annotations({
  identifier: "UsageEventsInput",
  jsonSchema: {
    oneOf: [
      eventJsonSchema,
      {
        type: "object",
        required: ["events"],
        properties: { events: { type: "array", minItems: 1, maxItems: maxBatchSize, items: eventJsonSchema } },
        additionalProperties: false
      }
    ]
  }
})

export const UsageEventFilters = Schema.Struct({
  ...PageParams,
  customer: Schema.optional(Schema.String),
  code: Schema.optional(Schema.String),
  from: Schema.optional(InstantParam),
  to: Schema.optional(InstantParam)
})

export const UsageParams = Schema.Struct({
  code: Schema.optional(Schema.String.annotations({ description: "A metric code; default every metric (up to 100)." })),
  from: Schema.optional(InstantParam),
  to: Schema.optional(InstantParam)
})

export class UsageGroup extends HttpApiGroup.make("usage")
  .add(
    HttpApiEndpoint.post("ingest", "/v1/usage-events")
      .setPayload(UsageEventsPayload)
      .addSuccess(IngestResult)
      .annotate(OpenApi.Summary, "Report usage events")
      .annotate(
        OpenApi.Description,
        `One event, or \`{"events": [...]}\` with up to ${maxBatchSize}. An \`event_id\` already recorded in this project and mode is ` +
          "acknowledged as a duplicate and ignored, also when identical posts race. In a batch, good events are recorded and bad ones " +
          "listed in `rejected` by index with the field at fault; a single invalid event is a 422. Timestamps may be up to 35 days old " +
          "and 5 minutes ahead."
      )
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/usage-events")
      .setUrlParams(UsageEventFilters)
      .addSuccess(ListOf(UsageEvent, "UsageEvent"))
      .annotate(OpenApi.Summary, "List usage events")
      .annotate(OpenApi.Description, "In order of the events' timestamps; `from` and `to` filter on them.")
  )
  .add(
    HttpApiEndpoint.get("usage")`/v1/customers/${id}/usage`
      .setUrlParams(UsageParams)
      .addSuccess(CustomerUsage)
      .annotate(OpenApi.Summary, "A customer's aggregated usage")
      .annotate(OpenApi.Description, "Per metric, for the current period, or for every period overlapping `from`–`to` (at most 100).")
  )
  .add(
    HttpApiEndpoint.get("costs")`/v1/customers/${id}/costs`
      .addSuccess(CustomerCosts)
      .annotate(OpenApi.Summary, "A customer's estimated usage cost this period")
      .annotate(OpenApi.Description, "Per usage price of each live subscription, and in total per currency, from running rollups.")
  )
  .add(
    HttpApiEndpoint.get("entitlements")`/v1/customers/${id}/entitlements`
      .addSuccess(CustomerEntitlements)
      .annotate(OpenApi.Summary, "A customer's entitlements")
      .annotate(OpenApi.Description, "Features and limits of the plans of the customer's live subscriptions; `disabled` while a DISABLE usage limit is reached this period.")
  )
  .add(
    HttpApiEndpoint.get("listLimits")`/v1/customers/${id}/usage-limits`
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(ListOf(UsageLimit, "UsageLimit"))
      .annotate(OpenApi.Summary, "List a customer's usage limits")
  )
  .add(
    HttpApiEndpoint.post("createLimit")`/v1/customers/${id}/usage-limits`
      .setPayload(UsageLimitCreate)
      .addSuccess(UsageLimit, { status: 201 })
      .annotate(OpenApi.Summary, "Create a usage limit")
      .annotate(
        OpenApi.Description,
        "When the period's estimated usage cost reaches `amount`, `WARNING` emits `usage_limit.warning`, `DISABLE` emits " +
          "`usage_limit.disabled` and marks the customer's entitlements disabled until the next period; each fires once per period."
      )
  )
  .add(
    HttpApiEndpoint.del("deleteLimit")`/v1/customers/${id}/usage-limits/${limitId}`
      .addSuccess(UsageLimit)
      .annotate(OpenApi.Summary, "Delete a usage limit")
      .annotate(OpenApi.Description, "Answers the deleted limit; usage is no longer checked against it.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Usage")
  .annotate(
    OpenApi.Description,
    "Usage events, aggregated per customer, metric and period as they arrive; usage prices bill the aggregate in arrears, and " +
      "events that arrive after their period was invoiced become an adjustment on the next invoice."
  )
{}
