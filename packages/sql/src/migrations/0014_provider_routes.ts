/**
 * Inbound provider webhooks' routing: which tenant a provider reference (a connection, a Stripe
 * customer) belongs to, `ref` unique across tenants. Frozen like every migration: listed
 * literally, never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const up = async (db: Kysely<any>): Promise<void> => {
  await createRecordTable(db, { name: "provider_routes", indexed: ["ref"], unique: [], globallyUnique: ["ref"] })
}

const down = async (db: Kysely<any>): Promise<void> => {
  await db.schema.dropTable("billkit_provider_routes").execute()
}

export const providerRoutes: Migration = { up, down }
