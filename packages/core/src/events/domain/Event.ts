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
  // An imported Stripe subscription taken over by Billkit's billing (POST /v1/subscriptions/{id}/migrate).
  "subscription.migrated",
  "invoice.created", "invoice.finalized", "invoice.paid", "invoice.payment_failed", "invoice.voided",
  "payment.succeeded", "payment.failed",
  // A payment's dispute (chargeback) reported by the provider, and its end (won or lost).
  "payment.disputed", "payment.dispute_closed",
  "refund.created",
  "usage_limit.warning", "usage_limit.disabled",
  "credit_note.created",
  // Webhooks' own (issue 10): a test send, and an endpoint disabled after days of failures.
  "webhook_endpoint.test", "webhook_endpoint.disabled",
  "checkout.session.completed",
  // Referrals: a code applied to a customer; the referrer rewarded after that customer's first paid invoice.
  "referral.applied", "referral.rewarded"
] as const

export const EventType = Schema.Literal(...eventTypes).annotations({ identifier: "EventType" })
export type EventType = typeof EventType.Type

/** The event types `filter` names: an exact type, or a prefix (`invoice`, `invoice.`, `invoice.*`, `*`). */
export const typesMatching = (filter: string): ReadonlyArray<EventType> => {
  if ((eventTypes as ReadonlyArray<string>).includes(filter)) return [filter as EventType]
  const prefix = filter.replace(/\.?\*$/, "").replace(/\.$/, "")
  return prefix === "" ? eventTypes : eventTypes.filter((t) => t.startsWith(`${prefix}.`))
}

/** A `type` filter: an exact event type or a prefix that names at least one. */
export const EventTypeFilter = Schema.String.pipe(
  Schema.filter((s) => typesMatching(s).length > 0 || "must be an event type or a prefix of one, such as `invoice` or `invoice.*`")
).annotations({ description: "An event type (`invoice.paid`) or a prefix (`invoice`, `invoice.*`)." })

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

/**
 * An event as stored: `dispatched` is false while it waits to be fanned out to webhook endpoints
 * and in-process subscribers (absent on events written before webhooks existed: never sent).
 * The API shows the `Event` fields only.
 */
export const StoredEvent = Schema.Struct({
  ...Event.fields,
  dispatched: Schema.optional(Schema.Boolean)
})
export type StoredEvent = typeof StoredEvent.Type
