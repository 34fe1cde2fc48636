/**
 * The Stripe provider's bookkeeping. `provider_customers`: the provider's customer for a Billkit
 * customer (record id = the Billkit customer's id), `provider_ref` unique so a webhook finds the
 * Billkit customer of a Stripe customer. `provider_events`: inbound provider events already
 * processed, one per `key` (`stripe:<event id>`). `provider_ref` on payments and refunds: a
 * webhook finds the payment of a PaymentIntent and the refund of a Stripe refund; filled from
 * each stored record's JSON. Frozen like every migration: listed literally, never edited.
 */
import { sql, type Kysely, type Migration } from "kysely"
import { dialectOf } from "../internal/dialect.js"
import { createRecordTable } from "./recordTable.js"

const recordTables = [
  { name: "provider_customers", indexed: ["provider_ref"], unique: ["provider_ref"], globallyUnique: [] },
  { name: "provider_events", indexed: ["key"], unique: ["key"], globallyUnique: [] }
] as const

const referenced = ["payments", "refunds"] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const shape of recordTables) await createRecordTable(db, shape)
  const postgres = dialectOf(db) === "postgres"
  for (const name of referenced) {
    const table = `billkit_${name}`
    await db.schema.alterTable(table).addColumn("provider_ref", "text").execute()
    const fromJson = postgres ? sql`(data::jsonb) ->> 'provider_ref'` : sql`json_extract(data, '$.provider_ref')`
    await sql`update ${sql.table(table)} set provider_ref = ${fromJson}`.execute(db)
    await db.schema.createIndex(`${table}_provider_ref_idx`).on(table).columns(["project_id", "mode", "provider_ref"]).execute()
  }
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const name of [...referenced].reverse()) {
    const table = `billkit_${name}`
    await db.schema.dropIndex(`${table}_provider_ref_idx`).execute()
    await db.schema.alterTable(table).dropColumn("provider_ref").execute()
  }
  for (const shape of [...recordTables].reverse()) await db.schema.dropTable(`billkit_${shape.name}`).execute()
}

export const stripe: Migration = { up, down }
