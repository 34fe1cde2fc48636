/**
 * Analytics: the MRR ledger (`mrr_entries`, one per change of a subscription's recurring value,
 * with the instant it took effect in `at`) and each subscription's last recorded value
 * (`mrr_states`); report runs (`reports`) and their CSV files, a page of rows per chunk
 * (`report_chunks`). The ledger of subscriptions that existed before this migration is built by the
 * backfill (`POST /v1/analytics/mrr/backfill`, or `billing.backfillMrr()`), which needs the
 * catalog's prices, so it runs as code, not as SQL. Frozen like every migration: never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const recordTables = [
  { name: "mrr_entries", indexed: ["subscription", "customer", "currency", "at"], unique: [], globallyUnique: [] },
  { name: "mrr_states", indexed: ["customer"], unique: [], globallyUnique: [] },
  { name: "reports", indexed: ["status"], unique: [], globallyUnique: [] },
  { name: "report_chunks", indexed: ["report"], unique: [], globallyUnique: [] }
] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const shape of recordTables) await createRecordTable(db, shape)
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const shape of [...recordTables].reverse()) await db.schema.dropTable(`billkit_${shape.name}`).execute()
}

export const analytics: Migration = { up, down }
