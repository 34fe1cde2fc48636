/**
 * The billing loop's due queries (`due_at <= ? order by due_at, id limit ?`) read the
 * `(project_id, mode, due_at)` index, which orders rows by `due_at` only: every row sharing the
 * first due instant (every subscription started on the 1st) had to be read and sorted by id for
 * each batch, so a batch cost grew with the number of subscriptions due (measured in
 * docs/performance.md, "The billing loop"). With `id` in the index the query reads `limit` rows
 * and stops. The old index is a prefix of the new one, so it goes. Frozen: never edited.
 */
import type { Kysely, Migration } from "kysely"

const tables = ["billkit_subscriptions", "billkit_invoices"] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const table of tables) {
    await db.schema.createIndex(`${table}_due_at_order_idx`).on(table).columns(["project_id", "mode", "due_at", "id"]).execute()
    await db.schema.dropIndex(`${table}_due_at_idx`).execute()
  }
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const table of tables) {
    await db.schema.createIndex(`${table}_due_at_idx`).on(table).columns(["project_id", "mode", "due_at"]).execute()
    await db.schema.dropIndex(`${table}_due_at_order_idx`).execute()
  }
}

export const dueOrder: Migration = { up, down }
