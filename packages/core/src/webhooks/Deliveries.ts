/**
 * Delivery of events to webhook endpoints and in-process subscribers, at least once, following
 * the money rule (ARCHITECTURE rule 8):
 *
 * 1. Dispatch: events not yet fanned out become one `pending` delivery per matching endpoint and
 *    subscriber, in one transaction with marking the events dispatched.
 * 2. Claim: due deliveries are leased in a transaction of their own (`due_at` moves to the
 *    lease's end, Postgres skips rows another worker holds), so several workers never make the
 *    same attempt, and a worker killed mid-attempt loses nothing: after the lease runs out the
 *    delivery is due again and another worker makes it.
 * 3. Attempt: outside any transaction.
 * 4. Record: in a transaction of its own, only if the lease is still the worker's; a failure is
 *    retried on the schedule, then `failed`; an endpoint failing everything for 5 days is disabled.
 *
 * Time: due work and the schedule read the tenant's clock (`now`, the test clock in test mode);
 * signatures read the instance's real clock, which receivers compare with theirs.
 */
import { Cause, Clock, Effect, Option, Random, Schema } from "effect"
import { Event, Events, type StoredEvent } from "../events/index.js"
import { Conflict, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { SecretBox } from "../kernel/SecretBox.js"
import type { Mode, Tenant } from "../kernel/Storage.js"
import { Storage } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { createdWithin, isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { refusalOf } from "./AddressGuard.js"
import { DeliveryRecords } from "./domain/Records.js"
import { matchesEvent, nextAttemptAt } from "./domain/Schedule.js"
import type { DeliveryStatus, StoredDelivery, StoredWebhookEndpoint, WebhookDelivery } from "./domain/WebhookEndpoint.js"
import { send, type AttemptOutcome } from "./Sender.js"
import { Subscribers } from "./Subscribers.js"
import { WebhookConfig } from "./WebhookConfig.js"
import { liveSecrets, WebhookEndpoints } from "./WebhookEndpoints.js"

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

/** An outcome, and whether it ends the delivery whatever the schedule says (its endpoint is gone). */
interface Result {
  readonly delivery: StoredDelivery
  readonly outcome: AttemptOutcome
  readonly final: boolean
  /** Whether the endpoint was on a failure streak when read (a success then ends it). */
  readonly failing?: boolean
}

const encodeEvent = Schema.encodeSync(Event)

export class Deliveries extends Effect.Service<Deliveries>()("@billkit/core/Deliveries", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const storage = yield* Storage
    const events = yield* Events
    const endpoints = yield* WebhookEndpoints
    const subscribers = yield* Subscribers
    const repo = yield* makeRepository(DeliveryRecords)
    // The instance's own clock, whatever test clock a request runs at: for signatures and durations.
    const realClock = yield* Effect.clock
    const realNow = realClock.currentTimeMillis

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

    /** Leases up to `limit` due deliveries for this worker: their `due_at` moves to the lease's end. */
    const claim = (now: number, limit: number) =>
      Effect.flatMap(WebhookConfig, (config) =>
        storage.withTransaction(Effect.gen(function*() {
          const due = yield* repo.due({ field: "due_at", upTo: isoAt(now), limit, skipLocked: true })
          if (due.length === 0) return []
          const token = yield* ids.secretHex(8)
          const leased = due.map((d): StoredDelivery => ({
            ...d,
            attempts: d.attempts + 1,
            leaseToken: token,
            leasedUntil: isoAt(now + config.leaseMs),
            updatedAt: isoAt(now)
          }))
          yield* Effect.forEach(leased, (d) => repo.update(d).pipe(Effect.orDie), { discard: true })
          return leased
        })))

    const failure = (delivery: StoredDelivery, error: string, final = false): Result => ({
      delivery,
      outcome: { ok: false, status: null, body: null, error, durationMs: 0 },
      final
    })

    const runSubscriber = (delivery: StoredDelivery, event: StoredEvent, timeoutMs: number) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const sub = yield* subscribers.get(delivery.subscriber!)
        if (sub === undefined) return failure(delivery, `no subscriber named ${delivery.subscriber} in this process`)
        const started = yield* realNow
        const { dispatched: _d, ...shown } = event
        const exit = yield* Effect.suspend(() => sub.handler(shown, tenant)).pipe(
          Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => "timeout" }),
          Effect.exit
        )
        const durationMs = Math.max(0, (yield* realNow) - started)
        if (exit._tag === "Success") {
          return { delivery, outcome: { ok: true, status: null, body: null, error: null, durationMs }, final: false }
        }
        const error = Cause.pretty(exit.cause).split("\n")[0]!.slice(0, 500)
        return { delivery, outcome: { ok: false, status: null, body: null, error, durationMs }, final: false }
      })

    /** Reads each event and endpoint a batch needs once, not once per delivery. */
    const lookupsFor = (batch: ReadonlyArray<StoredDelivery>) =>
      Effect.gen(function*() {
        const eventsById = new Map<string, Option.Option<StoredEvent>>()
        const endpointsById = new Map<string, Option.Option<StoredWebhookEndpoint>>()
        for (const d of batch) {
          if (!eventsById.has(d.event)) eventsById.set(d.event, yield* events.get(d.event).pipe(Effect.option))
          if (d.endpoint !== null && !endpointsById.has(d.endpoint)) endpointsById.set(d.endpoint, yield* endpoints.find(d.endpoint))
        }
        return {
          event: (id: string) => eventsById.get(id) ?? Option.none(),
          endpoint: (id: string) => endpointsById.get(id) ?? Option.none()
        }
      })
    type Lookups = Effect.Effect.Success<ReturnType<typeof lookupsFor>>

    /** Makes one attempt at the tenant's time `now`, outside any transaction. */
    const attempt = (delivery: StoredDelivery, now: number, lookups: Lookups) =>
      Effect.gen(function*() {
        const config = yield* WebhookConfig
        const found = lookups.event(delivery.event)
        if (Option.isNone(found)) return failure(delivery, "the event no longer exists", true)
        const event = found.value
        if (delivery.subscriber !== null) return yield* runSubscriber(delivery, event, config.timeoutMs)
        const endpoint = lookups.endpoint(delivery.endpoint!)
        if (Option.isNone(endpoint) || endpoint.value.deleted) return failure(delivery, "the endpoint was deleted", true)
        if (endpoint.value.disabled) return failure(delivery, "the endpoint is disabled", true)
        const refusal = yield* refusalOf(endpoint.value.url, { unresolvable: "refuse" })
        if (refusal !== undefined) return failure(delivery, `refused: the URL ${refusal}`)
        const signedAt = yield* realNow
        const box = yield* SecretBox
        const secrets = yield* Effect.forEach(liveSecrets(endpoint.value, now), (s) => box.open(s.sealed)).pipe(Effect.either)
        if (secrets._tag === "Left") return failure(delivery, "the signing secret cannot be opened with this encryption key")
        const outcome = yield* send({
          url: endpoint.value.url,
          messageId: event.id,
          timestampMs: signedAt,
          body: JSON.stringify(encodeEvent(event)),
          secrets: secrets.right,
          timeoutMs: config.timeoutMs,
          maxResponseBytes: config.maxResponseBytes
        }, realNow)
        return { delivery, outcome, final: false, failing: endpoint.value.failingSince !== null } satisfies Result
      })

    /** Records one outcome if the lease is still ours; returns the delivery's new status. */
    const recordOne = (result: Result, now: number) =>
      Effect.gen(function*() {
        const config = yield* WebhookConfig
        const current = yield* repo.find(result.delivery.id, true)
        // Another worker took the attempt over after our lease ran out: its record counts.
        if (Option.isNone(current) || current.value.leaseToken !== result.delivery.leaseToken || current.value.status !== "pending") {
          return undefined
        }
        const d = current.value
        const { outcome } = result
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
        if (outcome.ok) {
          yield* repo.update({ ...base, status: "succeeded", nextAttemptAt: null, deliveredAt: isoAt(now) }).pipe(Effect.orDie)
          if (d.endpoint !== null && result.failing !== false) yield* endpoints.recordSuccess(d.endpoint)
          return "succeeded" as DeliveryStatus
        }
        const random = yield* Random.next
        const next = result.final ? undefined : nextAttemptAt(config.retry, msOf(d.createdAt), d.attempts, now, random)
        yield* repo.update({
          ...base,
          status: next === undefined ? "failed" : "pending",
          nextAttemptAt: next === undefined ? null : isoAt(next)
        }).pipe(Effect.orDie)
        if (d.endpoint !== null && !result.final) yield* endpoints.recordFailure(d.endpoint, now, config.disableAfterMs)
        return (next === undefined ? "failed" : "pending") as DeliveryStatus
      })

    /** Records a batch's outcomes in one transaction; each alone if that fails. */
    const record = (results: ReadonlyArray<Result>, now: number) => {
      // Endpoint rows are locked in one order by every worker: no deadlock between them.
      const sorted = [...results].sort((a, b) =>
        (a.delivery.endpoint ?? "") < (b.delivery.endpoint ?? "") ? -1 : (a.delivery.endpoint ?? "") > (b.delivery.endpoint ?? "") ? 1 : 0)
      const one = (r: Result) => recordOne(r, now)
      return storage.withTransaction(Effect.forEach(sorted, one)).pipe(
        Effect.catchAllDefect(() => Effect.forEach(sorted, (r) => storage.withTransaction(one(r)).pipe(Effect.catchAllDefect(() => Effect.succeed(undefined)))))
      )
    }

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
     */
    const runTenant = (now: number, options: { readonly maxBatches?: number } = {}) =>
      Effect.gen(function*() {
        const config = yield* WebhookConfig
        let report = emptyReport
        for (;;) {
          const n = yield* dispatchBatch(now, 100)
          report = add(report, { ...emptyReport, dispatched: n })
          if (n < 100) break
        }
        for (let i = 0; i < (options.maxBatches ?? Infinity); i++) {
          const claimed = yield* claim(now, config.batchSize)
          if (claimed.length === 0) break
          const lookups = yield* lookupsFor(claimed)
          const results = yield* Effect.forEach(claimed, (d) => attempt(d, now, lookups), { concurrency: config.concurrency })
          report = add(report, tally(yield* record(results, now)))
          if (claimed.length < config.batchSize) break
        }
        return report
      })

    /** Claims one delivery now (if no attempt is in flight), attempts it, records it: test sends, manual retries. */
    const deliverNow = (id: string) =>
      Effect.gen(function*() {
        const config = yield* WebhookConfig
        const now = yield* Clock.currentTimeMillis
        const leased = yield* storage.withTransaction(Effect.gen(function*() {
          const d = yield* repo.get(id, true)
          if (d.status !== "pending") return undefined
          if (d.leasedUntil != null && msOf(d.leasedUntil) > now) return undefined
          const next: StoredDelivery = {
            ...d,
            attempts: d.attempts + 1,
            leaseToken: yield* ids.secretHex(8),
            leasedUntil: isoAt(now + config.leaseMs),
            updatedAt: isoAt(now)
          }
          yield* repo.update(next).pipe(Effect.orDie)
          return next
        }))
        if (leased !== undefined) yield* storage.withTransaction(recordOne(yield* attempt(leased, now, yield* lookupsFor([leased])), now))
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
