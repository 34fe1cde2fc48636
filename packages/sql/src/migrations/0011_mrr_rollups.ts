/**
 * MRR rollups: the ledger summed per currency and UTC day (`mrr_days`), and each customer's ARR
 * per currency (`mrr_customers`, which tells new, reactivated and churned customers apart), and
 * succeeded payments and refunds per currency and day (`revenue_days`), each written in the
 * transaction of the change it sums, so that analytics read at most one row per day instead of
 * the whole ledger or every payment. Data written before this migration gets its rollups from the
 * backfill (`POST /v1/analytics/mrr/backfill`). Frozen like every migration: never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const recordTables = [
  { name: "mrr_days", indexed: ["currency", "day"], unique: [], globallyUnique: [] },
  { name: "mrr_customers", indexed: ["customer"], unique: [], globallyUnique: [] },
  { name: "revenue_days", indexed: ["currency", "day"], unique: [], globallyUnique: [] }
] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const shape of recordTables) await createRecordTable(db, shape)
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const shape of [...recordTables].reverse()) await db.schema.dropTable(`billkit_${shape.name}`).execute()
}

export const mrrRollups: Migration = { up, down }
