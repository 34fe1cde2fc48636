import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import {
  DeletedWebhookEndpoint,
  DeliveryStatus,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointUpdate,
  WebhookEndpointWithSecret,
  WebhookStats
} from "../domain/WebhookEndpoint.js"
import { InstantParam } from "../../kernel/Instant.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)
const delivery = HttpApiSchema.param("delivery", Schema.String)

export class WebhooksGroup extends HttpApiGroup.make("webhooks")
  .add(
    HttpApiEndpoint.post("create", "/v1/webhook-endpoints")
      .setPayload(WebhookEndpointCreate)
      .addSuccess(WebhookEndpointWithSecret, { status: 201 })
      .annotate(OpenApi.Summary, "Create a webhook endpoint")
      .annotate(OpenApi.Description, "`events`: exact types, `*`, or prefixes such as `invoice.*`. The response alone carries `secret` (`whsec_…`); " +
        "it is stored sealed and never shown again. A URL on, or resolving to, a private, loopback or link-local address is refused (422 on `url`) unless the host allows private networks.")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/webhook-endpoints")
      .setUrlParams(Schema.Struct({ ...PageParams, disabled: Schema.optional(Schema.BooleanFromString) }))
      .addSuccess(ListOf(WebhookEndpoint, "WebhookEndpoint"))
      .annotate(OpenApi.Summary, "List webhook endpoints")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/webhook-endpoints/${id}`.addSuccess(WebhookEndpoint).annotate(OpenApi.Summary, "Retrieve a webhook endpoint"))
  .add(
    HttpApiEndpoint.patch("update")`/v1/webhook-endpoints/${id}`
      .setPayload(WebhookEndpointUpdate)
      .addSuccess(WebhookEndpoint)
      .annotate(OpenApi.Summary, "Update a webhook endpoint")
      .annotate(OpenApi.Description, "`url`, `events`, `description`, `disabled`. Enabling an endpoint Billkit disabled starts its failure count over.")
  )
  .add(HttpApiEndpoint.del("delete")`/v1/webhook-endpoints/${id}`.addSuccess(DeletedWebhookEndpoint)
    .annotate(OpenApi.Summary, "Delete a webhook endpoint")
    .annotate(OpenApi.Description, "Nothing more is delivered to it; answers `{id, object, deleted: true}`."))
  .add(
    HttpApiEndpoint.post("rotateSecret")`/v1/webhook-endpoints/${id}/rotate-secret`
      .addSuccess(WebhookEndpointWithSecret)
      .annotate(OpenApi.Summary, "Rotate a webhook endpoint's secret")
      .annotate(OpenApi.Description, "A new `secret`, shown once. The old one keeps signing for 24 h: meanwhile every delivery carries a signature for each.")
  )
  .add(
    HttpApiEndpoint.post("test")`/v1/webhook-endpoints/${id}/test`
      .addSuccess(WebhookDelivery)
      .annotate(OpenApi.Summary, "Send a test event")
      .annotate(OpenApi.Description, "Sends a `webhook_endpoint.test` event to this endpoint now and answers with the delivery after its first attempt.")
  )
  .add(
    HttpApiEndpoint.get("listDeliveries")`/v1/webhook-endpoints/${id}/deliveries`
      .setUrlParams(Schema.Struct({ ...PageParams, status: Schema.optional(DeliveryStatus) }))
      .addSuccess(ListOf(WebhookDelivery, "WebhookDelivery"))
      .annotate(OpenApi.Summary, "List an endpoint's deliveries")
      .annotate(OpenApi.Description, "Status, attempts, the last response's status, body (up to 64 KiB) and duration, and the next attempt.")
  )
  .add(
    HttpApiEndpoint.post("retryDelivery")`/v1/webhook-endpoints/${id}/deliveries/${delivery}/retry`
      .addSuccess(WebhookDelivery)
      .annotate(OpenApi.Summary, "Retry a delivery now")
      .annotate(OpenApi.Description, "One more attempt now, also for a `failed` delivery; 409 while an attempt is in flight.")
  )
  .add(
    HttpApiEndpoint.post("resendEvent")`/v1/events/${id}/resend`
      .addSuccess(ListOf(WebhookDelivery, "WebhookDelivery"))
      .annotate(OpenApi.Summary, "Resend an event")
      .annotate(OpenApi.Description, "New deliveries of the event to every enabled endpoint whose `events` match it, sent by the delivery worker.")
  )
  .add(
    HttpApiEndpoint.get("stats", "/v1/analytics/webhooks")
      .setUrlParams(Schema.Struct({ from: Schema.optional(InstantParam), to: Schema.optional(InstantParam) }))
      .addSuccess(WebhookStats)
      .annotate(OpenApi.Summary, "Webhook delivery stats")
      .annotate(OpenApi.Description, "Per endpoint (or in-process subscriber) and event type, over deliveries created within `from`/`to`: delivered, failed, retrying, and p50/p95 duration of successful attempts in ms.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Webhooks")
  .annotate(OpenApi.Description, "Events sent to your endpoints, signed per Standard Webhooks, retried for 3 days.")
{}
