/**
 * Imports from provider accounts (issue 11): the records a sync makes from a Stripe account's
 * objects say where they came from. Customers, products, prices, plans, subscriptions,
 * invoices, payments and refunds gain `connection` (the `connection=` list filter) and
 * `provider_key` (`<connection>:<provider id>`, unique per tenant, so a re-run of an import
 * finds the record it made instead of adding one). Existing rows are Billkit's own: both null,
 * nothing to fill. Frozen like every migration: listed literally, never edited.
 */
import { sql, type Kysely, type Migration } from "kysely"

const tables = ["customers", "products", "prices", "plans", "subscriptions", "invoices", "payments", "refunds"] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const name of tables) {
    const table = `billkit_${name}`
    await db.schema.alterTable(table).addColumn("connection", "text").execute()
    await db.schema.alterTable(table).addColumn("provider_key", "text").execute()
    await db.schema.createIndex(`${table}_connection_idx`).on(table).columns(["project_id", "mode", "connection"]).execute()
    await db.schema
      .createIndex(`${table}_provider_key_key`)
      .on(table)
      .columns(["project_id", "mode", "provider_key"])
      .unique()
      .where(sql.ref("provider_key"), "is not", null)
      .execute()
  }
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const name of [...tables].reverse()) {
    const table = `billkit_${name}`
    await db.schema.dropIndex(`${table}_provider_key_key`).execute()
    await db.schema.dropIndex(`${table}_connection_idx`).execute()
    await db.schema.alterTable(table).dropColumn("provider_key").execute()
    await db.schema.alterTable(table).dropColumn("connection").execute()
  }
}

export const imports: Migration = { up, down }
