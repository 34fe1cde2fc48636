/**
 * Dunning: what follows a failed automatic payment. When to try again (`dunningRetryDays` after
 * the first failure), and what becomes of the invoice's subscription: `active` → `past_due`,
 * after the last failure `unpaid` or `canceled` (`afterFinalFailure`), and a first payment that
 * never succeeded (`incomplete`) → `canceled`, its invoice to be voided. Invoices owns the
 * invoice's status and asks here; this module owns none of it. Runs in the caller's transaction.
 */
import { Clock, DateTime, Effect } from "effect"
import type { Invoice } from "./domain/Invoice.js"
import { Subscription } from "../subscriptions/domain/index.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { encoder } from "../kernel/Encoder.js"
import { Events } from "../events/index.js"
import { makeSubscriptionStore } from "../subscriptions/SubscriptionStore.js"
import { isoAt } from "../kernel/Time.js"

const day = 86_400_000
const encodeSubscription = encoder(Subscription)
const ms = (iso: string) => DateTime.toEpochMillis(DateTime.unsafeMake(iso))

export class Dunning extends Effect.Service<Dunning>()("@billkit/core/Dunning", {
  effect: Effect.gen(function*() {
    const events = yield* Events
    const subscriptions = yield* makeSubscriptionStore

    /**
     * When to retry `invoice` after its attempt number `invoice.attemptCount` failed: that
     * attempt's retry day after the first failure (never before now), or null after the last.
     */
    const nextAttempt = (invoice: Invoice) =>
      Effect.gen(function*() {
        const config = yield* BillingConfig
        const now = yield* Clock.currentTimeMillis
        const firstFailure = ms(invoice.finalizedAt ?? invoice.createdAt)
        const retryDay = config.dunningRetryDays[invoice.attemptCount - 1]
        return retryDay === undefined ? null : isoAt(Math.max(firstFailure + retryDay * day, now))
      })

    /**
     * Moves the subscription that `invoice` (its latest) bills after a failed payment; `final`
     * when no retry is left. Returns true when the subscription expired before it ever started
     * (its first payment never succeeded): the invoice is then to be voided.
     */
    const subscriptionFailed = (invoice: Invoice, final: boolean) =>
      Effect.gen(function*() {
        if (invoice.subscription === null) return false
        const sub = yield* subscriptions.get(invoice.subscription, true).pipe(Effect.orDie)
        if (sub.latestInvoice !== invoice.id) return false
        const config = yield* BillingConfig
        const now = isoAt(yield* Clock.currentTimeMillis)
        if (final && (sub.status === "past_due" || sub.status === "active")) {
          const status = config.afterFinalFailure
          const ended: Subscription = {
            ...sub,
            status,
            ...(status === "canceled" ? { canceledAt: now, endedAt: now } : {}),
            updatedAt: now
          }
          yield* subscriptions.update(ended).pipe(Effect.orDie)
          yield* events.emit(status === "canceled" ? "subscription.canceled" : "subscription.updated", sub.id, encodeSubscription(ended))
          return false
        }
        if (final && sub.status === "incomplete") {
          // The first payment never succeeded: the subscription never started (Stripe's
          // incomplete_expired). It ends, and its unpaid first invoice is voided.
          const expired: Subscription = { ...sub, status: "canceled", canceledAt: now, endedAt: now, updatedAt: now }
          yield* subscriptions.update(expired).pipe(Effect.orDie)
          yield* events.emit("subscription.canceled", sub.id, encodeSubscription(expired))
          return true
        }
        if (!final && sub.status === "active") {
          yield* subscriptions.update({ ...sub, status: "past_due", updatedAt: now }).pipe(Effect.orDie)
        }
        return false
      })

    return { nextAttempt, subscriptionFailed } as const
  }),
  dependencies: [Events.Default]
}) {}
