/** The tables the migrations create, for tools and tests that need to name them. */
import type { Kysely } from "kysely"

export const recordTables = [
  "billkit_customers",
  "billkit_products",
  "billkit_prices",
  "billkit_features",
  "billkit_plans",
  "billkit_api_keys",
  "billkit_subscriptions",
  "billkit_invoices",
  "billkit_invoice_items",
  "billkit_credit_notes",
  "billkit_payments",
  "billkit_refunds",
  "billkit_payment_methods",
  "billkit_vouchers",
  "billkit_redemptions",
  "billkit_balances",
  "billkit_balance_transactions",
  "billkit_events",
  "billkit_billing_runs",
  "billkit_sequences",
  "billkit_clocks",
  "billkit_metrics",
  "billkit_usage_events",
  "billkit_usage_rollups",
  "billkit_usage_distinct",
  "billkit_usage_limits",
  "billkit_webhook_endpoints",
  "billkit_webhook_deliveries",
  "billkit_provider_customers",
  "billkit_provider_events",
  "billkit_connections",
  "billkit_syncs",
  "billkit_provider_objects",
  "billkit_checkout_sessions",
  "billkit_portal_sessions",
  "billkit_mrr_entries",
  "billkit_mrr_states",
  "billkit_reports",
  "billkit_report_chunks",
  "billkit_referral_codes",
  "billkit_referrals",
  "billkit_referral_configs",
  "billkit_mrr_days",
  "billkit_mrr_customers",
  "billkit_revenue_days",
  "billkit_entitlement_versions",
  "billkit_provider_routes"
] as const

export const tables = [...recordTables, "billkit_projects", "billkit_idempotency_keys", "billkit_rate_limits"] as const

/** Empties every Billkit table, keeping the schema: a reset step for test suites. */
export const deleteAllRows = async (db: Kysely<any>): Promise<void> => {
  for (const table of tables) await db.deleteFrom(table).execute()
}
