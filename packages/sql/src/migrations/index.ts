import type { Migration } from "kysely"
import { initial } from "./0001_initial.js"
import { billing } from "./0002_billing.js"
import { paymentAttempts } from "./0003_payment_attempts.js"
import { recordTimes } from "./0004_record_times.js"
import { webhooks } from "./0005_webhooks.js"

/**
 * Every Billkit migration, bundled as code (a file provider breaks once bundled). Names sort in
 * the order they run; append, never edit.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  "0001_initial": initial,
  "0002_billing": billing,
  "0003_payment_attempts": paymentAttempts,
  "0004_record_times": recordTimes,
  "0005_webhooks": webhooks
}
