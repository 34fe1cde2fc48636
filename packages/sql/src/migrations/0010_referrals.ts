/**
 * Referrals: referral codes (one per customer), referrals (one per referred customer, unique on
 * `customer`) and the project's referral reward config. Frozen like every migration: never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const recordTables = [
  { name: "referral_codes", indexed: ["code", "customer"], unique: ["code", "customer"], globallyUnique: [] },
  { name: "referrals", indexed: ["code", "referrer", "customer", "status"], unique: ["customer"], globallyUnique: [] },
  { name: "referral_configs", indexed: ["name"], unique: ["name"], globallyUnique: [] }
] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const shape of recordTables) await createRecordTable(db, shape)
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const shape of [...recordTables].reverse()) await db.schema.dropTable(`billkit_${shape.name}`).execute()
}

export const referrals: Migration = { up, down }
