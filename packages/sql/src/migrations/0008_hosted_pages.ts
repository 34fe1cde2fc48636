/**
 * Hosted pages: checkout sessions and customer portal sessions, each found by the SHA-256 of the
 * token in its page URL (`token_hash`, unique per tenant). Frozen like every migration: listed
 * literally, never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const up = async (db: Kysely<any>): Promise<void> => {
  await createRecordTable(db, { name: "checkout_sessions", indexed: ["token_hash", "status", "customer"], unique: ["token_hash"], globallyUnique: [] })
  await createRecordTable(db, { name: "portal_sessions", indexed: ["token_hash", "customer"], unique: ["token_hash"], globallyUnique: [] })
}

const down = async (db: Kysely<any>): Promise<void> => {
  await db.schema.dropTable("billkit_portal_sessions").execute()
  await db.schema.dropTable("billkit_checkout_sessions").execute()
}

export const hostedPages: Migration = { up, down }
