/** How connections are stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { StoredConnection } from "./Connection.js"
import { StoredProviderObject, StoredSync } from "./Sync.js"

/**
 * `account` is unique among a tenant's live connections (one account is connected once), and
 * `default_slot` holds "default" on the one default connection, so a second default can never
 * be committed. A deleted connection gives both up.
 */
export const ConnectionRecords = Collections.records({
  collection: Collections.Connections,
  schema: StoredConnection,
  resource: "connection",
  index: (c) => ({
    account: c.status === "active" ? `${c.provider}:${c.providerAccountId}` : null,
    default_slot: c.status === "active" && c.default ? "default" : null,
    status: c.status
  })
})

export const SyncRecords = Collections.records({
  collection: Collections.Syncs,
  schema: StoredSync,
  resource: "sync",
  index: (s) => ({ connection: s.connection, status: s.status, due_at: s.dueAt })
})

export const ProviderObjectRecords = Collections.records({
  collection: Collections.ProviderObjects,
  schema: StoredProviderObject,
  resource: "provider object",
  index: (o) => ({ connection: o.connection, type: o.type, created_at: o.createdAt, payment_intent: o.paymentIntent })
})
