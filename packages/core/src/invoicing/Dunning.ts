/**
 * Dunning: when a failed automatic payment is tried again — `dunningRetryDays` after the first
 * failure, never before now — and when no retry is left. Invoicing owns the invoice's status and
 * asks here; what the failure does to the subscription is the subscriptions feature's decision
 * (InvoiceSubscriptions.paymentFailed, subscriptions/domain/SubscriptionStatus.ts).
 */
import { Clock, Effect } from "effect"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { isoAt, msOf } from "../kernel/Time.js"
import type { Invoice } from "./domain/Invoice.js"

const day = 86_400_000

export class Dunning extends Effect.Service<Dunning>()("@billkit/core/Dunning", {
  succeed: {
    /**
     * When to retry `invoice` after its attempt number `invoice.attemptCount` failed: that
     * attempt's retry day after the first failure (never before now), or null after the last.
     */
    nextAttempt: (invoice: Invoice) =>
      Effect.gen(function*() {
        const config = yield* BillingConfig
        const now = yield* Clock.currentTimeMillis
        const firstFailure = msOf(invoice.finalizedAt ?? invoice.createdAt)
        const retryDay = config.dunningRetryDays[invoice.attemptCount - 1]
        return retryDay === undefined ? null : isoAt(Math.max(firstFailure + retryDay * day, now))
      })
  }
}) {}
