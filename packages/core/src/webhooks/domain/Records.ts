/** How webhook endpoints and deliveries are stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { StoredDelivery, StoredWebhookEndpoint } from "./WebhookEndpoint.js"

export const WebhookEndpointRecords = Collections.records({
  collection: Collections.WebhookEndpoints,
  schema: StoredWebhookEndpoint,
  resource: "webhook endpoint",
  index: (e) => ({ status: e.deleted ? "deleted" : e.disabled ? "disabled" : "enabled" })
})

export const DeliveryRecords = Collections.records({
  collection: Collections.WebhookDeliveries,
  schema: StoredDelivery,
  resource: "webhook delivery",
  index: (d) => ({
    endpoint: d.endpoint,
    subscriber: d.subscriber,
    event: d.event,
    status: d.status,
    // The next work on it: the lease's end while an attempt is in flight, else the next attempt.
    due_at: d.status !== "pending" ? null : d.leasedUntil ?? d.nextAttemptAt,
    created_at: d.createdAt
  })
})
