/**
 * Webhooks (issue 10): endpoints, deliveries (with the `due_at` a worker claims them by), and the
 * events' `dispatch` column, "0" while an event waits to be fanned out to endpoints and
 * subscribers. Events written before this migration are not sent (their column stays null).
 *
 * Frozen like every migration: listed literally, never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const recordTables = [
  { name: "webhook_endpoints", indexed: ["status"], unique: [], globallyUnique: [] },
  {
    name: "webhook_deliveries",
    indexed: ["endpoint", "subscriber", "event", "status", "due_at", "created_at"],
    unique: [],
    globallyUnique: []
  }
] as const

const up = async (db: Kysely<any>): Promise<void> => {
  await db.schema.alterTable("billkit_events").addColumn("dispatch", "text").execute()
  await db.schema.createIndex("billkit_events_dispatch_idx").on("billkit_events").columns(["project_id", "mode", "dispatch"]).execute()
  for (const shape of recordTables) await createRecordTable(db, shape)
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const shape of [...recordTables].reverse()) await db.schema.dropTable(`billkit_${shape.name}`).execute()
  await db.schema.dropIndex("billkit_events_dispatch_idx").execute()
  await db.schema.alterTable("billkit_events").dropColumn("dispatch").execute()
}

export const webhooks: Migration = { up, down }
