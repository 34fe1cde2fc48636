/**
 * Provider connections: Stripe accounts a project reads from and charges through, their keys
 * sealed in the record's JSON; their import runs (syncs), and the provider objects they import. Frozen like every migration: listed literally, never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const recordTables = [
  { name: "connections", indexed: ["account", "default_slot", "status"], unique: ["account", "default_slot"], globallyUnique: [] },
  { name: "syncs", indexed: ["connection", "status", "due_at"], unique: [], globallyUnique: [] },
  { name: "provider_objects", indexed: ["connection", "type", "created_at", "payment_intent"], unique: [], globallyUnique: [] }
] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const shape of recordTables) await createRecordTable(db, shape)
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const shape of [...recordTables].reverse()) await db.schema.dropTable(`billkit_${shape.name}`).execute()
}

export const connections: Migration = { up, down }
