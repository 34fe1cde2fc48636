/** The tables the migrations create, for tools and tests that need to name them. */
import type { Kysely } from "kysely"

export const recordTables = [
  "billkit_customers",
  "billkit_products",
  "billkit_prices",
  "billkit_features",
  "billkit_plans",
  "billkit_api_keys"
] as const

export const tables = [...recordTables, "billkit_projects", "billkit_idempotency_keys", "billkit_rate_limits"] as const

/** Empties every Billkit table, keeping the schema: a reset step for test suites. */
export const deleteAllRows = async (db: Kysely<any>): Promise<void> => {
  for (const table of tables) await db.deleteFrom(table).execute()
}
