/**
 * Events: what happened, written in the same transaction as the change that caused it (the
 * outbox), and later delivered to webhook endpoints. `data` is the object as the API shows it.
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Timestamp, wire } from "../../kernel/Wire.js"

/** Every event type (API.md §3 "Events"). */
export const eventTypes = [
  "customer.created", "customer.updated", "customer.deleted",
  "subscription.created", "subscription.updated", "subscription.trial_will_end", "subscription.canceled",
  "subscription.paused", "subscription.resumed",
  "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_failed", "invoice.voided",
  "payment.succeeded", "payment.failed",
  "refund.created",
  "usage_limit.warning", "usage_limit.disabled",
  "credit_note.created",
  "checkout.session.completed"
] as const

export const EventType = Schema.Literal(...eventTypes).annotations({ identifier: "EventType" })
export type EventType = typeof EventType.Type

export const Event = Schema.Struct({
  id: Id("event"),
  object: Schema.Literal("event"),
  type: EventType,
  /** The id of the record the event is about (`cus_…`, `sub_…`, `inv_…`). */
  subject: Schema.String.annotations({ description: "The id of the record the event is about." }),
  data: Schema.Unknown.annotations({
    description: "The record as the API showed it when the event happened.",
    jsonSchema: { type: "object", description: "The record as the API showed it when the event happened." }
  }),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Event" })
export type Event = typeof Event.Type
