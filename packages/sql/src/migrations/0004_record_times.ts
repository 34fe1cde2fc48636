/**
 * Time filters read a record's own time: `from`/`to` on invoices, payments, refunds and events
 * compare a `created_at` column, no longer the time inside the id (an id made while another
 * project's test clock stood months ahead carried that time: issue #6). Adds the column with
 * its tenant-scoped index and fills it from each stored record's JSON. (Usage events keep
 * filtering by id: theirs is made from the event's own `timestamp`, never from the clock.)
 *
 * Frozen like every migration: listed literally, never edited.
 */
import { sql, type Kysely, type Migration } from "kysely"
import { dialectOf } from "../internal/dialect.js"

const tables = ["invoices", "payments", "refunds", "events"] as const

const up = async (db: Kysely<any>): Promise<void> => {
  const postgres = dialectOf(db) === "postgres"
  for (const name of tables) {
    const table = `billkit_${name}`
    await db.schema.alterTable(table).addColumn("created_at", "text").execute()
    // The JSON holds `created_at` as written (ISO 8601 UTC, one format): copied as text.
    const fromJson = postgres ? sql`(data::jsonb) ->> 'created_at'` : sql`json_extract(data, '$.created_at')`
    await sql`update ${sql.table(table)} set created_at = ${fromJson}`.execute(db)
    await db.schema.createIndex(`${table}_created_at_idx`).on(table).columns(["project_id", "mode", "created_at"]).execute()
  }
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const name of [...tables].reverse()) {
    const table = `billkit_${name}`
    await db.schema.dropIndex(`${table}_created_at_idx`).execute()
    await db.schema.alterTable(table).dropColumn("created_at").execute()
  }
}

export const recordTimes: Migration = { up, down }
