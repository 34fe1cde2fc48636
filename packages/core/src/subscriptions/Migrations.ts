/**
 * Moving an imported subscription off Stripe Billing (`POST /v1/subscriptions/{id}/migrate`),
 * money leaving once (house rule 8) even though here what leaves is Stripe's billing:
 *
 * 1. Stripe's subscription is read afresh (outside any transaction) for the instant Billkit takes
 *    over: the end of the last period Stripe billed (domain/Migration.ts).
 * 2. One transaction commits the intent: `migration: { status: "scheduled", at }`.
 * 3. Outside it, Stripe is told to end its subscription at `at` (`cancel_at`, no proration), with
 *    the idempotency key `billkit_migrate_<subscription id>` derived from that record.
 * 4. A transaction of its own records the outcome: `confirmed`. Should the call fail, the record
 *    stays `scheduled` and the caller gets a 502; calling migrate again makes the same call with
 *    the same key, never a second record.
 *
 * Only a confirmed migration is taken over (SubscriptionCycle, when the clock reaches `at`):
 * before Stripe has agreed to stop, Billkit billing too would bill the customer twice.
 * The record is written with the plain repository, not the subscription store: until the
 * takeover the subscription is Stripe's, and Billkit's MRR ledger does not count it.
 */
import { Clock, Effect } from "effect"
import { Connections, ProviderAccounts, type ProviderCallFailed } from "../connections/index.js"
import { Conflict } from "../kernel/Errors.js"
import { makeRepository } from "../kernel/Repository.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { takeoverOf } from "./domain/Migration.js"
import { SubscriptionRecords } from "./domain/Records.js"
import type { Subscription } from "./domain/Subscription.js"

/** The idempotency key of the call that ends Stripe's subscription: one per Billkit subscription. */
export const migrationKey = (subscriptionId: string) => `billkit_migrate_${subscriptionId}`

export class SubscriptionMigrations extends Effect.Service<SubscriptionMigrations>()("@billkit/core/SubscriptionMigrations", {
  effect: Effect.gen(function*() {
    const repo = yield* makeRepository(SubscriptionRecords)
    const connections = yield* Connections

    /** A provider call that failed: refused → 409 with the provider's reason; unreachable or failing → retried by the caller. */
    const refusedAsConflict = (e: ProviderCallFailed): ProviderCallFailed | Conflict =>
      e.retryable ? e : new Conflict({ message: `Stripe refused: ${e.message}` })

    /** Why `s` cannot be migrated, if it cannot. */
    const notMigratable = (s: Subscription): Conflict | null => {
      if (s.managedBy !== "stripe") {
        return new Conflict({
          message: s.migration?.status === "completed"
            ? `subscription ${s.id} was migrated off Stripe at ${s.migration.at}: Billkit bills it already`
            : `subscription ${s.id} is billed by Billkit (managed_by: ${s.managedBy}): only an imported Stripe subscription (managed_by: stripe) can be migrated`
        })
      }
      if (s.connection === null || s.providerIds?.stripe === undefined) {
        return new Conflict({ message: `subscription ${s.id} names no Stripe subscription to migrate` })
      }
      return null
    }

    /** Sets the migration of `id` from what `update` makes of it, in a transaction of its own. */
    const write = (id: string, update: (s: Subscription, now: string) => Subscription) =>
      repo.transaction(Effect.gen(function*() {
        const current = yield* repo.get(id, true)
        const refused = notMigratable(current)
        if (refused !== null) return yield* refused
        const next = update(current, isoAt(yield* Clock.currentTimeMillis))
        if (next !== current) yield* repo.update(next).pipe(Effect.orDie)
        return next
      }))

    const migrate = traced("SubscriptionMigrations.migrate")(function*(id: string) {
      const s = yield* repo.get(id)
      const refused = notMigratable(s)
      if (refused !== null) return yield* refused
      // Told and recorded: nothing left to do until the billing loop takes it over.
      if (s.migration?.status === "confirmed") return s
      const provider = (yield* ProviderAccounts).stripe
      if (provider === undefined) {
        return yield* new Conflict({ message: "no stripe integration is configured on this server (billkit({ providerAccounts }))" })
      }
      const secretKey = yield* connections.secretKeyOf(s.connection!).pipe(
        Effect.catchTag("NotFound", () => new Conflict({ message: `its connection ${s.connection} was deleted: connect the account again to migrate it` }))
      )
      const stripeId = s.providerIds!.stripe!
      const now = yield* Clock.currentTimeMillis

      // 1. Stripe's view now, outside any transaction.
      const remote = yield* provider.retrieveSubscription(secretKey, stripeId).pipe(Effect.mapError(refusedAsConflict))
      const committedAt = s.migration === null ? null : msOf(s.migration.at)
      const takeover = takeoverOf(remote.data as Record<string, unknown>, committedAt)
      if (takeover._tag === "Refused") return yield* new Conflict({ message: takeover.reason })
      const at = committedAt ?? takeover.at
      if (at <= now) {
        return yield* new Conflict({
          message: committedAt === null
            ? `Stripe's current period of ${stripeId} ended at ${isoAt(at)}: sync the connection, then migrate`
            : `the migration at ${isoAt(at)} was never confirmed by Stripe and that instant has passed: Stripe still bills ${stripeId}`
        })
      }

      // 2. The intent, committed (a migration committed meanwhile by another call is kept as it is).
      const scheduled = yield* write(id, (current, stamp) =>
        current.migration !== null ? current : {
          ...current,
          migration: { status: "scheduled", at: isoAt(at), requestedAt: stamp, confirmedAt: null, completedAt: null },
          updatedAt: stamp
        })
      const migration = scheduled.migration!
      if (migration.status !== "scheduled") return scheduled

      // 3. Outside any transaction, keyed by the committed record: a retry is the same call.
      yield* provider.cancelSubscriptionAt(secretKey, stripeId, { at: Math.floor(msOf(migration.at) / 1000), idempotencyKey: migrationKey(scheduled.id) }).pipe(
        Effect.mapError(refusedAsConflict)
      )

      // 4. The outcome, in a transaction of its own.
      return yield* write(id, (current, stamp) =>
        current.migration?.status !== "scheduled" ? current : {
          ...current,
          migration: { ...current.migration, status: "confirmed", confirmedAt: stamp },
          updatedAt: stamp
        })
    })

    return { migrate } as const
  }),
  dependencies: [Connections.Default]
}) {}
