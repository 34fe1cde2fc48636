/**
 * Payment attempts (house rule 8: money leaves once). A payment is committed `pending` before the
 * provider is called; `billkit_payments.pending_invoice` holds its invoice while it is pending and
 * is unique, so no invoice has two attempts in flight. `billkit_refunds.status` lets the billing
 * loop find refunds left `pending` by a crash. Frozen like every migration: never edited.
 */
import { sql, type Kysely, type Migration } from "kysely"

const up = async (db: Kysely<any>): Promise<void> => {
  await db.schema.alterTable("billkit_payments").addColumn("pending_invoice", "text").execute()
  await db.schema
    .createIndex("billkit_payments_pending_invoice_key")
    .on("billkit_payments")
    .columns(["project_id", "mode", "pending_invoice"])
    .unique()
    .where(sql.ref("pending_invoice"), "is not", null)
    .execute()
  await db.schema.alterTable("billkit_refunds").addColumn("status", "text").execute()
  await db.schema.createIndex("billkit_refunds_status_idx").on("billkit_refunds").columns(["project_id", "mode", "status"]).execute()
  // Refunds written before this were recorded in one go: none is pending, so a null status
  // (never equal to 'pending') is right for them.
}

const down = async (db: Kysely<any>): Promise<void> => {
  await db.schema.dropIndex("billkit_refunds_status_idx").execute()
  await db.schema.alterTable("billkit_refunds").dropColumn("status").execute()
  await db.schema.dropIndex("billkit_payments_pending_invoice_key").execute()
  await db.schema.alterTable("billkit_payments").dropColumn("pending_invoice").execute()
}

export const paymentAttempts: Migration = { up, down }
