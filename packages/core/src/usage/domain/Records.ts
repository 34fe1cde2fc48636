/**
 * How usage events and limits are stored: one definition per collection. (Rollups and their
 * distinct values are written as raw records by UsageRollups, on the hot path.)
 */
import * as Collections from "../../kernel/Collections.js"
import { UsageEvent } from "./UsageEvent.js"
import { UsageLimit } from "./UsageLimit.js"

export const UsageEventRecords = Collections.records({
  collection: Collections.UsageEvents,
  schema: UsageEvent,
  resource: "usage event",
  index: (e) => ({ event_id: e.eventId, customer: e.customer, subscription: e.subscription, code: e.code })
})

export const UsageLimitRecords = Collections.records({
  collection: Collections.UsageLimits,
  schema: UsageLimit,
  resource: "usage limit",
  index: (l) => ({ customer: l.customer, status: l.status })
})
