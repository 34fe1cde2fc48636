/**
 * Billing and usage metering: subscriptions, invoices, payments, balances, the billing loop's
 * bookkeeping, and usage. Frozen like every migration: listed literally, never edited.
 */
import type { Kysely, Migration } from "kysely"
import { createRecordTable } from "./recordTable.js"

const recordTables = [
  { name: "subscriptions", indexed: ["customer", "plan", "status", "due_at"], unique: [], globallyUnique: [] },
  { name: "invoices", indexed: ["customer", "subscription", "status", "number", "due_at"], unique: ["number"], globallyUnique: [] },
  { name: "invoice_items", indexed: ["customer", "subscription", "status", "invoice"], unique: [], globallyUnique: [] },
  { name: "credit_notes", indexed: ["invoice", "customer"], unique: [], globallyUnique: [] },
  { name: "payments", indexed: ["customer", "invoice", "status"], unique: [], globallyUnique: [] },
  { name: "refunds", indexed: ["payment", "customer"], unique: [], globallyUnique: [] },
  { name: "payment_methods", indexed: ["customer", "status"], unique: [], globallyUnique: [] },
  { name: "vouchers", indexed: ["code", "status"], unique: ["code"], globallyUnique: [] },
  { name: "redemptions", indexed: ["customer", "voucher", "status"], unique: [], globallyUnique: [] },
  { name: "balances", indexed: ["customer", "key"], unique: ["key"], globallyUnique: [] },
  { name: "balance_transactions", indexed: ["customer", "currency"], unique: [], globallyUnique: [] },
  { name: "events", indexed: ["type", "subject"], unique: [], globallyUnique: [] },
  { name: "billing_runs", indexed: ["key"], unique: ["key"], globallyUnique: [] },
  { name: "sequences", indexed: ["name"], unique: ["name"], globallyUnique: [] },
  { name: "clocks", indexed: ["name"], unique: ["name"], globallyUnique: [] },
  { name: "metrics", indexed: ["code"], unique: ["code"], globallyUnique: [] },
  { name: "usage_events", indexed: ["event_id", "customer", "subscription", "code"], unique: ["event_id"], globallyUnique: [] },
  { name: "usage_rollups", indexed: ["key", "customer"], unique: ["key"], globallyUnique: [] },
  { name: "usage_distinct", indexed: ["key"], unique: ["key"], globallyUnique: [] },
  { name: "usage_limits", indexed: ["customer", "status"], unique: [], globallyUnique: [] }
] as const

const up = async (db: Kysely<any>): Promise<void> => {
  for (const shape of recordTables) await createRecordTable(db, shape)
}

const down = async (db: Kysely<any>): Promise<void> => {
  for (const shape of [...recordTables].reverse()) await db.schema.dropTable(`billkit_${shape.name}`).execute()
}

export const billing: Migration = { up, down }
