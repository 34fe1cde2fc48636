/**
 * Delivery of events to webhook endpoints and in-process subscribers, at least once, following
 * the money rule (ARCHITECTURE rule 8). This module fans events out and drives the rounds; the
 * leases and records are `DeliveryLeases` (storage), the attempts `DeliveryAttempts` (HTTP):
 *
 * 1. Dispatch: events not yet fanned out become one `pending` delivery per matching endpoint and
 *    subscriber, in one transaction with marking the events dispatched.
 * 2. Claim: a batch of due deliveries is leased in a transaction of its own (`due_at` moves to
 *    the lease's end, Postgres skips rows another worker holds), so several workers never make
 *    the same attempt, and a worker killed mid-attempt loses nothing: after the lease runs out
 *    the delivery is due again and another worker makes it.
 * 3. Attempt: outside any transaction.
 * 4. Record: the batch's outcomes in a transaction of their own, each only if its lease is still
 *    the worker's; a failure is retried on the schedule, then `failed`; an endpoint failing
 *    everything for 5 days is disabled.
 *
 * Time: due work and the schedule read the tenant's clock (`now`, the test clock in test mode);
 * signatures read the instance's real clock, which receivers compare with theirs.
 */
import { Clock, Effect, Fiber } from "effect"
import { Events, type StoredEvent } from "../events/index.js"
import { Conflict, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import type { Mode, Tenant } from "../kernel/Storage.js"
import { Storage } from "../kernel/Storage.js"
import { createdWithin, isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { makeDeliveryAttempts } from "./DeliveryAttempts.js"
import { makeDeliveryLeases } from "./DeliveryLeases.js"
import { DeliveryRecords } from "./domain/Records.js"
import { matchesEvent } from "./domain/Schedule.js"
import type { DeliveryStatus, StoredDelivery, StoredWebhookEndpoint, WebhookDelivery } from "./domain/WebhookEndpoint.js"
import { Subscribers } from "./Subscribers.js"
import { WebhookConfig } from "./WebhookConfig.js"
import { WebhookEndpoints } from "./WebhookEndpoints.js"

export interface DeliveryReport {
  /** Events fanned out to deliveries. */
  readonly dispatched: number
  /** Attempts made, and how they ended. */
  readonly attempted: number
  readonly succeeded: number
  /** Attempts that failed and will be retried. */
  readonly retrying: number
  /** Deliveries that ran out of retries (or whose endpoint is gone). */
  readonly failed: number
}

const emptyReport: DeliveryReport = { dispatched: 0, attempted: 0, succeeded: 0, retrying: 0, failed: 0 }
const add = (a: DeliveryReport, b: DeliveryReport): DeliveryReport => ({
  dispatched: a.dispatched + b.dispatched,
  attempted: a.attempted + b.attempted,
  succeeded: a.succeeded + b.succeeded,
  retrying: a.retrying + b.retrying,
  failed: a.failed + b.failed
})

/** The delivery as the API shows it (no lease). */
export const deliveryView = (d: StoredDelivery): WebhookDelivery => {
  const { leaseToken: _t, leasedUntil: _u, ...view } = d
  return view
}

export class Deliveries extends Effect.Service<Deliveries>()("@billkit/core/Deliveries", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const storage = yield* Storage
    const events = yield* Events
    const endpoints = yield* WebhookEndpoints
    const subscribers = yield* Subscribers
    const repo = yield* makeRepository(DeliveryRecords)
    const leases = yield* makeDeliveryLeases
    const attempts = yield* makeDeliveryAttempts

    const newDelivery = (
      event: StoredEvent,
      target: { readonly endpoint: string } | { readonly subscriber: string },
      now: number
    ) =>
      Effect.map(ids.next("webhookDelivery"), (id): StoredDelivery => ({
        id,
        object: "webhook_delivery",
        endpoint: "endpoint" in target ? target.endpoint : null,
        subscriber: "subscriber" in target ? target.subscriber : null,
        event: event.id,
        eventType: event.type,
        status: "pending",
        attempts: 0,
        nextAttemptAt: isoAt(now),
        responseStatus: null,
        responseBody: null,
        error: null,
        durationMs: null,
        deliveredAt: null,
        createdAt: isoAt(now),
        updatedAt: isoAt(now),
        leaseToken: null,
        leasedUntil: null
      }))

    /** Fans out up to `limit` events; returns how many. */
    const dispatchBatch = (now: number, limit: number) =>
      storage.withTransaction(Effect.gen(function*() {
        const batch = yield* events.undispatched(limit)
        if (batch.length === 0) return 0
        const targets = yield* endpoints.allEnabled
        const subs = yield* subscribers.all
        const rows: Array<StoredDelivery> = []
        for (const event of batch) {
          for (const endpoint of targets) {
            if (matchesEvent(endpoint.events, event.type)) rows.push(yield* newDelivery(event, { endpoint: endpoint.id }, now))
          }
          for (const sub of subs) {
            if (matchesEvent(sub.patterns, event.type)) rows.push(yield* newDelivery(event, { subscriber: sub.name }, now))
          }
        }
        if (rows.length > 0) yield* repo.insertMany(rows)
        yield* events.markDispatched(batch)
        return batch.length
      }))

    const tally = (statuses: ReadonlyArray<DeliveryStatus | undefined>): DeliveryReport => ({
      dispatched: 0,
      attempted: statuses.length,
      succeeded: statuses.filter((s) => s === "succeeded").length,
      retrying: statuses.filter((s) => s === "pending").length,
      failed: statuses.filter((s) => s === "failed").length
    })

    /**
     * All delivery work of the current tenant due at `now` (its clock's time): dispatch, then
     * claim, attempt and record batch after batch until nothing is due.
     *
     * Pipelined, so the worker does not sit idle through storage round trips: while a batch is
     * sent, the next one is claimed and the one before it recorded (at most one of each in
     * flight). Batches never share a delivery: a claimed one is not due again until its lease
     * ends. A kill therefore re-sends at most two batches (the one being sent, the one being
     * recorded); one claimed ahead and never sent waits out its lease.
     */
    const runTenant = (now: number) =>
      Effect.gen(function*() {
        const config = yield* WebhookConfig
        let report = emptyReport
        for (;;) {
          const n = yield* dispatchBatch(now, 100)
          report = add(report, { ...emptyReport, dispatched: n })
          if (n < 100) break
        }
        let recording: Fiber.Fiber<DeliveryReport> | undefined
        const recorded = Effect.suspend(() => {
          const inFlight = recording
          recording = undefined
          return inFlight === undefined ? Effect.succeed(emptyReport) : Fiber.join(inFlight)
        })
        // Endpoints that failed in the batch whose record may still be in flight: this batch read
        // them before that record, so its `failing` may be stale. A success to one of them ends
        // the streak that record starts (else it would stand until the endpoint's next success).
        let failedBefore = new Set<string>()
        let claimed = yield* leases.claim(now, config.batchSize)
        while (claimed.length > 0) {
          // A short batch was the last: nothing more is claimed, so nothing is leased and left.
          const claiming = claimed.length < config.batchSize ? undefined : yield* Effect.fork(leases.claim(now, config.batchSize))
          const prepared = yield* attempts.prepare(claimed, now)
          const results = (yield* Effect.forEach(claimed, (d) => attempts.attempt(d, prepared), { concurrency: config.concurrency }))
            .map((r) => (r.delivery.endpoint !== null && failedBefore.has(r.delivery.endpoint) ? { ...r, failing: true } : r))
          failedBefore = new Set(results.flatMap((r) => (r.outcome.ok || r.delivery.endpoint === null ? [] : [r.delivery.endpoint])))
          report = add(report, yield* recorded)
          recording = yield* Effect.fork(Effect.map(leases.record(results, now), tally))
          claimed = claiming === undefined ? [] : yield* Fiber.join(claiming)
        }
        return add(report, yield* recorded)
      })

    /** Claims one delivery now (if no attempt is in flight), attempts it, records it: test sends, manual retries. */
    const deliverNow = (id: string) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const leased = yield* leases.claimOne(id, now)
        if (leased !== undefined) {
          const result = yield* attempts.attempt(leased, yield* attempts.prepare([leased], now))
          yield* leases.record([result], now)
        }
        return deliveryView(yield* repo.get(id))
      })

    /** `POST …/{id}/test`: a `webhook_endpoint.test` event for this endpoint alone, sent now. */
    const sendTest = traced("Deliveries.sendTest")(function*(endpointId: string) {
      const endpoint = yield* endpoints.get(endpointId)
      const now = yield* Clock.currentTimeMillis
      const delivery = yield* storage.withTransaction(Effect.gen(function*() {
        const event = yield* events.emit("webhook_endpoint.test", endpoint.id, { object: "webhook_endpoint_test", endpoint: endpoint.id }, { dispatch: false })
        const d = yield* newDelivery(event, { endpoint: endpoint.id }, now)
        yield* repo.insert(d).pipe(Effect.orDie)
        return d
      }))
      if (endpoint.disabled) return deliveryView(delivery)
      return yield* deliverNow(delivery.id)
    })

    const getFor = (endpointId: string, deliveryId: string) =>
      Effect.flatMap(repo.get(deliveryId), (d) =>
        d.endpoint === endpointId ? Effect.succeed(d) : Effect.fail(new NotFound({ resource: "webhook delivery", id: deliveryId })))

    /** `POST …/deliveries/{id}/retry`: one more attempt now, whatever state it ended in. */
    const retry = traced("Deliveries.retry")(function*(endpointId: string, deliveryId: string) {
      yield* endpoints.get(endpointId)
      const now = yield* Clock.currentTimeMillis
      yield* storage.withTransaction(Effect.gen(function*() {
        const d = yield* getFor(endpointId, deliveryId)
        if (d.status === "pending" && d.leasedUntil != null && msOf(d.leasedUntil) > now) {
          return yield* new Conflict({ message: "An attempt of this delivery is in flight" })
        }
        yield* repo.update({ ...d, status: "pending", nextAttemptAt: isoAt(now), updatedAt: isoAt(now) }).pipe(Effect.orDie)
      }))
      return yield* deliverNow(deliveryId)
    })

    /** `POST /v1/events/{id}/resend`: new deliveries of one event to every matching enabled endpoint, due now. */
    const resend = traced("Deliveries.resend")(function*(eventId: string) {
      const event = yield* events.get(eventId)
      const now = yield* Clock.currentTimeMillis
      return yield* storage.withTransaction(Effect.gen(function*() {
        const targets = (yield* endpoints.allEnabled).filter((e: StoredWebhookEndpoint) => matchesEvent(e.events, event.type))
        const rows = yield* Effect.forEach(targets, (e) => newDelivery(event, { endpoint: e.id }, now))
        if (rows.length > 0) yield* repo.insertMany(rows)
        return rows.map(deliveryView)
      }))
    })

    const list = traced("Deliveries.list")(function*(endpointId: string, page: PageRequest, filters: { readonly status?: DeliveryStatus } = {}) {
      yield* endpoints.get(endpointId)
      const result = yield* repo.list(page, { where: { endpoint: endpointId, ...(filters.status === undefined ? {} : { status: filters.status }) } })
      return { ...result, data: result.data.map(deliveryView) }
    })

    /** Deliveries to in-process subscribers that ran out of retries, oldest first. */
    const deadLetters = traced("Deliveries.deadLetters")(function*(page: PageRequest) {
      const result = yield* repo.list(page, { where: { status: "failed" }, range: { field: "subscriber", from: "" } })
      return { ...result, data: result.data.map(deliveryView) }
    })

    /** Every delivery created within `from`…`to` (epoch ms): what the stats are computed from. */
    const allWithin = (filters: { readonly from?: number; readonly to?: number }) =>
      Effect.gen(function*() {
        const out: Array<StoredDelivery> = []
        let after: string | undefined
        for (;;) {
          const page = yield* repo.list({ limit: 100, ...(after === undefined ? {} : { startingAfter: after }) }, createdWithin(filters))
          out.push(...page.data)
          if (!page.hasMore || page.nextCursor === null) return out
          after = page.nextCursor
        }
      })

    return { runTenant, deliverNow, sendTest, retry, resend, list, deadLetters, allWithin, get: repo.get } as const
  }),
  dependencies: [Events.Default, WebhookEndpoints.Default, Subscribers.Default]
}) {}

/** The tenants a worker visits: every project, live and test. */
export const tenantsOf = (projects: ReadonlyArray<{ readonly id: string }>): ReadonlyArray<Tenant> =>
  projects.flatMap((p) => (["live", "test"] as ReadonlyArray<Mode>).map((mode) => ({ projectId: p.id, mode })))
