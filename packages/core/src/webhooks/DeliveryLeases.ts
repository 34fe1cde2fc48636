/**
 * The storage side of delivery, set-wise. Claiming a batch is one `due` query (Postgres: `FOR
 * UPDATE SKIP LOCKED`, so concurrent workers take different rows) and one multi-row update that
 * moves each delivery's `due_at` to the lease's end, in a transaction of its own. Recording a
 * batch's outcomes is one locked read of its rows and one multi-row update, plus a write per
 * endpoint whose failure streak changes (none while it succeeds), in another transaction.
 */
import { Effect, Random } from "effect"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { makeRepository } from "../kernel/Repository.js"
import type { Json } from "../kernel/Storage.js"
import { Storage } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt, msOf } from "../kernel/Time.js"
import type { AttemptResult } from "./DeliveryAttempts.js"
import { DeliveryRecords } from "./domain/Records.js"
import { nextAttemptAt } from "./domain/Schedule.js"
import type { DeliveryStatus, StoredDelivery } from "./domain/WebhookEndpoint.js"
import { WebhookConfig } from "./WebhookConfig.js"
import { WebhookEndpoints } from "./WebhookEndpoints.js"

/**
 * Whether the stored delivery (its encoded JSON) is still leased by `token` and pending. Every
 * lease changes the token and the attempt count together, and nothing else writes a leased
 * delivery, so when this holds the stored record is the one the worker leased.
 */
const heldBy = (stored: Json | undefined, token: string | null | undefined): boolean =>
  stored !== undefined && token != null && stored.lease_token === token && stored.status === "pending"

/** A failure streak's change from one batch, per endpoint (see `WebhookEndpoints.recordOutcomes`). */
interface Streak {
  succeeded: boolean
  wasFailing: boolean
  failedLast: boolean
}

export const makeDeliveryLeases = Effect.gen(function*() {
  const ids = yield* IdGenerator
  const storage = yield* Storage
  const endpoints = yield* WebhookEndpoints
  const repo = yield* makeRepository(DeliveryRecords)

  const leased = (d: StoredDelivery, token: string, now: number, leaseMs: number): StoredDelivery => ({
    ...d,
    attempts: d.attempts + 1,
    leaseToken: token,
    leasedUntil: isoAt(now + leaseMs),
    updatedAt: isoAt(now)
  })

  /** Leases up to `limit` due deliveries for this worker, in two statements. */
  const claim = (now: number, limit: number) =>
    Effect.flatMap(WebhookConfig, (config) =>
      storage.withTransaction(Effect.gen(function*() {
        const due = yield* repo.due({ field: "due_at", upTo: isoAt(now), limit, skipLocked: true })
        if (due.length === 0) return []
        const token = yield* ids.secretHex(8)
        const batch = due.map((d) => leased(d, token, now, config.leaseMs))
        yield* repo.updateMany(batch)
        return batch
      })))

  /** Leases one delivery now, unless it ended or an attempt of it is in flight (test sends, manual retries). */
  const claimOne = (id: string, now: number) =>
    Effect.flatMap(WebhookConfig, (config) =>
      storage.withTransaction(Effect.gen(function*() {
        const d = yield* repo.get(id, true)
        if (d.status !== "pending") return undefined
        if (d.leasedUntil != null && msOf(d.leasedUntil) > now) return undefined
        const next = leased(d, yield* ids.secretHex(8), now, config.leaseMs)
        yield* repo.update(next).pipe(Effect.orDie)
        return next
      })))

  /** The outcomes whose lease is still ours, written together; returns each delivery's new status. */
  const recordBatch = (results: ReadonlyArray<AttemptResult>, now: number) =>
    Effect.gen(function*() {
      const config = yield* WebhookConfig
      const tenant = yield* CurrentTenant
      const stored = yield* storage.findMany(DeliveryRecords.collection, tenant, "id", results.map((r) => r.delivery.id), { forUpdate: true })
      const byId = new Map(stored.map((r) => [r.id, r.data]))
      const statuses: Array<DeliveryStatus | undefined> = []
      const writes: Array<StoredDelivery> = []
      const streaks = new Map<string, Streak>()
      for (const { delivery: d, outcome, final, failing } of results) {
        // Another worker took the attempt over after our lease ran out: its record counts.
        if (!heldBy(byId.get(d.id), d.leaseToken)) {
          statuses.push(undefined)
          continue
        }
        const base = {
          ...d,
          leaseToken: null,
          leasedUntil: null,
          responseStatus: outcome.status,
          responseBody: outcome.body,
          error: outcome.error,
          durationMs: outcome.durationMs,
          updatedAt: isoAt(now)
        }
        let status: DeliveryStatus
        if (outcome.ok) {
          status = "succeeded"
          writes.push({ ...base, status, nextAttemptAt: null, deliveredAt: isoAt(now) })
        } else {
          const next = final ? undefined : nextAttemptAt(config.retry, msOf(d.createdAt), d.attempts, now, yield* Random.next)
          status = next === undefined ? "failed" : "pending"
          writes.push({ ...base, status, nextAttemptAt: next === undefined ? null : isoAt(next) })
        }
        statuses.push(status)
        if (d.endpoint === null || (final && !outcome.ok)) continue
        const streak = streaks.get(d.endpoint) ?? { succeeded: false, wasFailing: false, failedLast: false }
        if (outcome.ok) {
          streak.succeeded = true
          streak.wasFailing ||= failing !== false
          streak.failedLast = false
        } else {
          streak.failedLast = true
        }
        streaks.set(d.endpoint, streak)
      }
      yield* repo.updateMany(writes)
      // Endpoint rows are locked in one order by every worker: no deadlock between them.
      for (const id of [...streaks.keys()].sort()) yield* endpoints.recordOutcomes(id, streaks.get(id)!, now, config.disableAfterMs)
      return statuses
    })

  /** Records a batch's outcomes in one transaction; each alone if that fails. */
  const record = (results: ReadonlyArray<AttemptResult>, now: number) =>
    storage.withTransaction(recordBatch(results, now)).pipe(
      Effect.catchAllDefect(() =>
        Effect.forEach(results, (r) =>
          storage.withTransaction(recordBatch([r], now)).pipe(
            Effect.map((s) => s[0]),
            Effect.catchAllDefect(() => Effect.succeed(undefined))
          )))
    )

  return { claim, claimOne, record } as const
})
