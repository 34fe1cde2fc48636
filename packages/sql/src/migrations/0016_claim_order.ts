/**
 * The same fix as 0015 for the other queues read by `due` (`field <= ? order by field, id limit
 * ?`): webhook deliveries (`due_at`, every delivery of a burst shares its instant), events
 * waiting to be fanned out (`dispatch`, "0" for all of them) and syncs. Indexed by the field
 * alone, each claim read and sorted every waiting row by id, so draining N rows cost O(N²):
 * 100,000 pending deliveries went at 614/s on Postgres against 837/s for 20,000 (measured in
 * docs/performance.md, "Webhook delivery"). With `id` in the index a claim reads `limit` rows
 * and stops. The old index is a prefix of the new one, so it goes. Frozen: never edited.
 */
import type { Kysely, Migration } from "kysely"

const queues = [
  { table: "billkit_webhook_deliveries", field: "due_at" },
  { table: "billkit_events", field: "dispatch" },
  { table: "billkit_syncs", field: "due_at" }
] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const { field, table } of queues) {
    await db.schema.createIndex(`${table}_${field}_order_idx`).on(table).columns(["project_id", "mode", field, "id"]).execute()
    await db.schema.dropIndex(`${table}_${field}_idx`).execute()
  }
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const { field, table } of queues) {
    await db.schema.createIndex(`${table}_${field}_idx`).on(table).columns(["project_id", "mode", field]).execute()
    await db.schema.dropIndex(`${table}_${field}_order_idx`).execute()
  }
}

export const claimOrder: Migration = { up, down }
