/**
 * Entitlement versions: one row per tenant, bumped by every transaction that changes what an
 * entitlement check answers, so other processes know when to drop their cached checks.
 * Frozen like every migration: never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const shape = { name: "entitlement_versions", indexed: ["name"], unique: ["name"], globallyUnique: [] } as const

const up = async (db: Kysely<any>): Promise<void> => {
  await createRecordTable(db, shape)
}

const down = async (db: Kysely<any>): Promise<void> => {
  await db.schema.dropTable(`billkit_${shape.name}`).execute()
}

export const entitlements: Migration = { up, down }
