import type { Migration } from "kysely"
import { initial } from "./0001_initial.js"
import { billing } from "./0002_billing.js"
import { paymentAttempts } from "./0003_payment_attempts.js"
import { recordTimes } from "./0004_record_times.js"
import { webhooks } from "./0005_webhooks.js"
import { stripe } from "./0006_stripe.js"
import { connections } from "./0007_connections.js"
import { hostedPages } from "./0008_hosted_pages.js"
import { analytics } from "./0009_analytics.js"
import { referrals } from "./0010_referrals.js"
import { mrrRollups } from "./0011_mrr_rollups.js"
import { entitlements } from "./0012_entitlements.js"
import { providerRoutes } from "./0013_provider_routes.js"
import { imports } from "./0014_imports.js"
import { dueOrder } from "./0015_due_order.js"
import { claimOrder } from "./0016_claim_order.js"

/**
 * Every Billkit migration, bundled as code (a file provider breaks once bundled). Names sort in
 * the order they run; append, never edit.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  "0001_initial": initial,
  "0002_billing": billing,
  "0003_payment_attempts": paymentAttempts,
  "0004_record_times": recordTimes,
  "0005_webhooks": webhooks,
  "0006_stripe": stripe,
  "0007_connections": connections,
  "0008_hosted_pages": hostedPages,
  "0009_analytics": analytics,
  "0010_referrals": referrals,
  "0011_mrr_rollups": mrrRollups,
  "0012_entitlements": entitlements,
  "0013_provider_routes": providerRoutes,
  "0014_imports": imports,
  "0015_due_order": dueOrder,
  "0016_claim_order": claimOrder
}
