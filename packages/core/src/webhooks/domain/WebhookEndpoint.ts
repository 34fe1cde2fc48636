/**
 * Webhook endpoints (where events are sent) and deliveries (one event to one endpoint or
 * in-process subscriber, with its attempts). Secrets are stored sealed (kernel/SecretBox) and
 * shown once: the wire shape of an endpoint never carries them.
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"

/** An exact event type, `*`, or a prefix ending in `.*` (`invoice.*`). */
export const EventPattern = Schema.String.pipe(
  Schema.pattern(/^(\*|[a-z_]+(\.[a-z_]+)*(\.\*)?)$/, {
    message: () => "must be an event type, `*`, or a prefix such as `invoice.*`"
  })
).annotations({ description: "An event type (`invoice.paid`), `*` for all, or a prefix such as `invoice.*`." })

export const WebhookUrl = Schema.Trim.pipe(
  Schema.maxLength(2048),
  Schema.filter((s) => {
    try {
      const u = new URL(s)
      if (u.protocol !== "https:" && u.protocol !== "http:") return "must be an http or https URL"
      if (u.username !== "" || u.password !== "") return "must not carry credentials"
      return true
    } catch {
      return "must be an absolute http or https URL"
    }
  })
).annotations({ description: "An absolute http(s) URL.", examples: ["https://example.com/webhooks/billkit"] })

const Description = Schema.NullOr(Schema.String.pipe(Schema.maxLength(500)))

export const WebhookEndpoint = Schema.Struct({
  id: Id("webhookEndpoint"),
  object: Schema.Literal("webhook_endpoint"),
  url: Schema.String,
  events: Schema.Array(Schema.String),
  description: Description,
  disabled: Schema.Boolean,
  /** Why it was disabled by Billkit (`failing`), or null when enabled or disabled by the host. */
  disabledReason: wire("disabled_reason", Schema.NullOr(Schema.Literal("failing"))),
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "WebhookEndpoint" })
export type WebhookEndpoint = typeof WebhookEndpoint.Type

/** The answer to create and rotate-secret: the endpoint and its new secret, shown this once. */
export const WebhookEndpointWithSecret = Schema.Struct({
  ...WebhookEndpoint.fields,
  secret: Schema.String.annotations({ description: "The signing secret (`whsec_…`, Standard Webhooks); shown once." })
}).annotations({ identifier: "WebhookEndpointWithSecret" })
export type WebhookEndpointWithSecret = typeof WebhookEndpointWithSecret.Type

export const SealedSecret = Schema.Struct({
  sealed: Schema.String,
  /** Null for the current secret; an old one signs until then (24 h after a rotation). */
  expiresAt: wire("expires_at", Schema.NullOr(Timestamp))
})
export type SealedSecret = typeof SealedSecret.Type

/** How an endpoint is stored: its wire fields plus sealed secrets and its failure streak. */
export const StoredWebhookEndpoint = Schema.Struct({
  ...WebhookEndpoint.fields,
  secrets: Schema.Array(SealedSecret),
  /** When every attempt since started failing (null after any success): 5 days of it disables. */
  failingSince: wire("failing_since", Schema.NullOr(Timestamp)),
  deleted: Schema.Boolean
})
export type StoredWebhookEndpoint = typeof StoredWebhookEndpoint.Type

export const WebhookEndpointCreate = Schema.Struct({
  url: WebhookUrl,
  events: Schema.Array(EventPattern).pipe(Schema.minItems(1), Schema.maxItems(100)),
  description: Schema.optional(Description),
  disabled: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "WebhookEndpointCreate", ...strict })
export type WebhookEndpointCreate = typeof WebhookEndpointCreate.Type

export const WebhookEndpointUpdate = Schema.Struct({
  url: Schema.optional(WebhookUrl),
  events: Schema.optional(Schema.Array(EventPattern).pipe(Schema.minItems(1), Schema.maxItems(100))),
  description: Schema.optional(Description),
  disabled: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "WebhookEndpointUpdate", ...strict })
export type WebhookEndpointUpdate = typeof WebhookEndpointUpdate.Type

export const DeletedWebhookEndpoint = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("webhook_endpoint"),
  deleted: Schema.Literal(true)
}).annotations({ identifier: "DeletedWebhookEndpoint" })

export const DeliveryStatus = Schema.Literal("pending", "succeeded", "failed")
export type DeliveryStatus = typeof DeliveryStatus.Type

export const WebhookDelivery = Schema.Struct({
  id: Id("webhookDelivery"),
  object: Schema.Literal("webhook_delivery"),
  /** The endpoint it goes to, or null for an in-process subscriber. */
  endpoint: Schema.NullOr(Schema.String),
  /** The in-process subscriber it goes to, or null for an endpoint. */
  subscriber: Schema.NullOr(Schema.String),
  event: Schema.String,
  eventType: wire("event_type", Schema.String),
  status: DeliveryStatus,
  attempts: Schema.Int,
  /** When the next attempt is due (pending only). */
  nextAttemptAt: wire("next_attempt_at", Schema.NullOr(Timestamp)),
  responseStatus: wire("response_status", Schema.NullOr(Schema.Int)),
  /** At most 64 KiB of the last answer's body. */
  responseBody: wire("response_body", Schema.NullOr(Schema.String)),
  /** Why the last attempt failed without an answer (timeout, connection closed, refused address). */
  error: Schema.NullOr(Schema.String),
  durationMs: wire("duration_ms", Schema.NullOr(Schema.Int)),
  deliveredAt: wire("delivered_at", Schema.NullOr(Timestamp)),
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "WebhookDelivery" })
export type WebhookDelivery = typeof WebhookDelivery.Type

/** A delivery as stored: with the lease of the attempt in flight, if any. */
export const StoredDelivery = Schema.Struct({
  ...WebhookDelivery.fields,
  /** Who holds the attempt in flight, and until when; another worker takes it over after that. */
  leaseToken: optionalWire("lease_token", Schema.NullOr(Schema.String)),
  leasedUntil: optionalWire("leased_until", Schema.NullOr(Timestamp))
})
export type StoredDelivery = typeof StoredDelivery.Type

export const WebhookStatsRow = Schema.Struct({
  endpoint: Schema.NullOr(Schema.String),
  subscriber: Schema.NullOr(Schema.String),
  eventType: wire("event_type", Schema.String),
  delivered: Schema.Int,
  failed: Schema.Int,
  retrying: Schema.Int,
  p50Ms: wire("p50_ms", Schema.NullOr(Schema.Number)),
  p95Ms: wire("p95_ms", Schema.NullOr(Schema.Number))
}).annotations({ identifier: "WebhookStatsRow" })

export const WebhookStats = Schema.Struct({
  object: Schema.Literal("webhook_stats"),
  from: Schema.NullOr(Timestamp),
  to: Schema.NullOr(Timestamp),
  data: Schema.Array(WebhookStatsRow)
}).annotations({ identifier: "WebhookStats" })
export type WebhookStats = typeof WebhookStats.Type
