/**
 * The first schema. Frozen: a change to the schema is a new migration, never an edit here.
 * Tables and columns are listed literally (not read from `Collections`), so that a later change
 * to the collection specs cannot silently rewrite history.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable, idColumnType } from "./recordTable.js"

const recordTables = [
  {
    name: "customers",
    indexed: ["email", "country", "reference", "external_reference", "company_name", "status"],
    unique: ["email"],
    globallyUnique: []
  },
  { name: "products", indexed: ["status"], unique: [], globallyUnique: [] },
  { name: "prices", indexed: ["product", "currency", "public", "schedule"], unique: [], globallyUnique: [] },
  { name: "features", indexed: ["code"], unique: ["code"], globallyUnique: [] },
  { name: "plans", indexed: ["code_name", "product", "public"], unique: ["code_name"], globallyUnique: [] },
  { name: "api_keys", indexed: ["hash", "type", "status"], unique: [], globallyUnique: ["hash"] }
] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const shape of recordTables) await createRecordTable(db, shape)

  await db.schema
    .createTable("billkit_projects")
    .addColumn("id", idColumnType(db), (col) => col.primaryKey().notNull())
    .addColumn("name", "text", (col) => col.notNull())
    .addColumn("created_at", "text", (col) => col.notNull())
    .addColumn("settings", "text", (col) => col.notNull())
    .execute()

  // Times are epoch milliseconds in bigint columns (integer affinity on SQLite).
  await db.schema
    .createTable("billkit_idempotency_keys")
    .addColumn("scope", "text", (col) => col.notNull())
    .addColumn("key", "text", (col) => col.notNull())
    .addColumn("fingerprint", "text", (col) => col.notNull())
    .addColumn("status", "text", (col) => col.notNull())
    .addColumn("response", "text")
    .addColumn("created_at", "bigint", (col) => col.notNull())
    .addColumn("expires_at", "bigint", (col) => col.notNull())
    .addPrimaryKeyConstraint("billkit_idempotency_keys_pkey", ["scope", "key"])
    .execute()
  await db.schema
    .createIndex("billkit_idempotency_keys_expires_at_idx")
    .on("billkit_idempotency_keys")
    .column("expires_at")
    .execute()

  await db.schema
    .createTable("billkit_rate_limits")
    .addColumn("bucket", "text", (col) => col.notNull())
    .addColumn("window_start", "bigint", (col) => col.notNull())
    .addColumn("count", "integer", (col) => col.notNull())
    .addColumn("expires_at", "bigint", (col) => col.notNull())
    .addPrimaryKeyConstraint("billkit_rate_limits_pkey", ["bucket", "window_start"])
    .execute()
  await db.schema
    .createIndex("billkit_rate_limits_expires_at_idx")
    .on("billkit_rate_limits")
    .column("expires_at")
    .execute()
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const table of ["billkit_rate_limits", "billkit_idempotency_keys", "billkit_projects"]) {
    await db.schema.dropTable(table).execute()
  }
  for (const shape of [...recordTables].reverse()) await db.schema.dropTable(`billkit_${shape.name}`).execute()
}

export const initial: Migration = { up, down }
