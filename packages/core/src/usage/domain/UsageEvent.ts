/**
 * Usage events: one thing a customer used, reported by the host app. `event_id` is the client's
 * deduplication key, unique per project and mode: a repeat is acknowledged and ignored.
 *
 * Event ids (`ue_…`) carry the event's own timestamp rather than the time it was received, so
 * that listing events in id order, and the `from`/`to` filters, follow usage time.
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { InstantInput } from "../../kernel/Instant.js"
import { Timestamp, strict, wire } from "../../kernel/Wire.js"

/** Events may be this old… */
export const maxEventAgeMs = 35 * 86_400_000
/** …or this far ahead of the server's clock. */
export const maxEventLeadMs = 5 * 60_000
export const maxBatchSize = 1000

export const UsageEvent = Schema.Struct({
  id: Id("usageEvent"),
  object: Schema.Literal("usage_event"),
  eventId: wire("event_id", Schema.String),
  customer: Schema.String,
  subscription: Schema.NullOr(Schema.String),
  code: Schema.String,
  metric: Schema.String,
  value: Schema.String.annotations({ description: "A decimal string." }),
  properties: Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number) }),
  timestamp: Timestamp,
  receivedAt: wire("received_at", Timestamp)
}).annotations({ identifier: "UsageEvent" })
export type UsageEvent = typeof UsageEvent.Type

const Value = Schema.Union(
  Schema.String.annotations({ examples: ["12.5"] }),
  Schema.Number
).annotations({ description: "A decimal (string or number), at most 20 digits and 12 decimals; default 1." })

const Properties = Schema.Record({
  key: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(100)),
  value: Schema.Union(Schema.String.pipe(Schema.maxLength(500)), Schema.Number.pipe(Schema.finite()))
}).pipe(Schema.filter((p) => Object.keys(p).length <= 50 || "may have at most 50 properties")).annotations({
  description: "A flat map of up to 50 properties (string or number values), for aggregation_property and filters."
})

/** One event as sent (`POST /v1/usage-events`). */
export const UsageEventInput = Schema.Struct({
  eventId: wire("event_id", Schema.String.pipe(
    Schema.minLength(1, { message: () => "must not be empty" }),
    Schema.maxLength(255, { message: () => "must be at most 255 characters" })
  ).annotations({ description: "Your unique id for this event: a repeat is acknowledged and ignored." })),
  customer: Schema.optional(Schema.String.annotations({ description: "A customer id; give this or `subscription`." })),
  subscription: Schema.optional(Schema.String.annotations({ description: "A subscription id; give this or `customer`." })),
  code: Schema.String.annotations({ description: "The code of a metric." }),
  value: Schema.optional(Value),
  properties: Schema.optional(Properties),
  timestamp: Schema.optional(InstantInput.annotations({
    description: "When the usage happened: ISO 8601 or Unix seconds, at most 35 days ago and 5 minutes ahead; default now."
  }))
}).annotations({ identifier: "UsageEventInput", ...strict })
export type UsageEventInput = typeof UsageEventInput.Type

export const Rejection = Schema.Struct({
  index: Schema.Int.annotations({ description: "The event's position in `events` (0 for a single event)." }),
  field: Schema.String,
  message: Schema.String
}).annotations({ identifier: "UsageEventRejection" })
export type Rejection = typeof Rejection.Type

export const IngestResult = Schema.Struct({
  object: Schema.Literal("usage_event_result"),
  accepted: Schema.Int.annotations({ description: "New events recorded." }),
  duplicates: Schema.Int.annotations({ description: "Events whose event_id was recorded before (or earlier in this batch): ignored." }),
  rejected: Schema.Array(Rejection).annotations({
    description: "Events refused, by index, with the field at fault; every other event was recorded or was a duplicate."
  })
}).annotations({ identifier: "UsageEventResult" })
export type IngestResult = typeof IngestResult.Type
