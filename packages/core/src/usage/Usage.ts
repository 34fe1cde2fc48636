/**
 * Usage metering: event ingestion, the event list and the customer views (usage, costs).
 *
 * Ingesting a batch is one transaction: the events are decoded and checked, resolved to their
 * customer, metric and period, and inserted with `insertMany`, which skips event_ids already taken
 * (also by a concurrent identical post, on every backend). Only the events actually inserted go on
 * to `UsageRollups.record`, which updates their rollups; then the usage limits of every customer
 * whose usage moved are checked, in the same transaction.
 */
import { BigDecimal, Clock, Effect, Option } from "effect"
import { Invalid, NotFound } from "../kernel/Errors.js"
import { encodeTime, highestIdAt, lowestIdAt } from "../kernel/Ids.js"
import { Metric } from "../catalog/domain/index.js"
import type { Period } from "../kernel/Period.js"
import { Subscription } from "../subscriptions/domain/index.js"
import { type IngestResult, type Rejection, UsageEvent } from "./domain/UsageEvent.js"
import type { CustomerCosts, CustomerUsage } from "./domain/UsageLimit.js"
import {
  divideRounded,
  fromScaled,
  parseScaled,
  plain,
  quantityOf,
  type RecordedEvent,
  rollupKey,
  zero
} from "./domain/UsageRollup.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { Json, StoredRecord } from "../kernel/Storage.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { UsageLimits } from "./UsageLimits.js"
import { UsageRollups } from "./UsageRollups.js"
import { traced } from "../kernel/Traced.js"
import { UsageEventRecords } from "./domain/Records.js"
import { precheck, randomParts } from "./EventDecoding.js"
import { CustomerRecords } from "../customers/domain/index.js"
import { MetricRecords } from "../catalog/domain/index.js"
import { SubscriptionRecords } from "../subscriptions/domain/index.js"

export interface UsageEventFilters {
  readonly customer?: string | undefined
  readonly code?: string | undefined
  /** Epoch ms, inclusive, on the events' timestamps. */
  readonly from?: number | undefined
  readonly to?: number | undefined
}

export interface UsageQuery {
  readonly code?: string | undefined
  /** Epoch ms: every period overlapping [from, to]; by default the current period. */
  readonly from?: number | undefined
  readonly to?: number | undefined
}

const maxPeriods = 100

/** An event ready to store: its record, and the event as its rollup will take it in. */
interface Ready extends RecordedEvent {
  readonly index: number
  readonly record: StoredRecord
  readonly eventId: string
}

export class Usage extends Effect.Service<Usage>()("@billkit/core/Usage", {
  effect: Effect.gen(function*() {
    const storage = yield* Storage
    const ids = yield* IdGenerator
    const rollups = yield* UsageRollups
    const limits = yield* UsageLimits
    const events = yield* makeRepository(UsageEventRecords)
    const metrics = yield* makeRepository(MetricRecords)
    const subscriptions = yield* makeRepository(SubscriptionRecords)
    const customers = yield* makeRepository(CustomerRecords)

    const exists = (spec: typeof Collections.Customers, id: string) =>
      Effect.flatMap(CurrentTenant, (tenant) => storage.get(spec, tenant, id)).pipe(Effect.map(Option.isSome))

    /**
     * Records events (each an unknown JSON value, validated here one by one). Good events are kept
     * and bad ones reported by index with the field at fault; duplicates of an `event_id` already
     * recorded are counted and ignored.
     */
    const ingest = traced("Usage.ingest")(function*(inputs: ReadonlyArray<unknown>) {
      const now = yield* Clock.currentTimeMillis
      const nowIso = isoAt(now)
      const { checked, rejected } = precheck(inputs, now)
      const reject = (index: number, field: string, message: string) => rejected.push({ index, field, message })
      const random = randomParts(yield* ids.randomBytes(10 * checked.length), checked.length)

      const result = yield* storage.withTransaction(Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const lookup = rollups.makeLookup()

        // References, each read once per batch.
        const metricByCode = new Map<string, Metric | undefined>()
        const subscriptionById = new Map<string, Subscription | undefined>()
        const customerExists = new Map<string, boolean>()
        for (const c of checked) {
          if (!metricByCode.has(c.code)) metricByCode.set(c.code, Option.getOrUndefined(yield* metrics.findBy("code", c.code)))
          if (c.subscription !== undefined && !subscriptionById.has(c.subscription)) {
            subscriptionById.set(c.subscription, Option.getOrUndefined(yield* subscriptions.find(c.subscription)))
          }
          if (c.customer !== undefined && !customerExists.has(c.customer)) customerExists.set(c.customer, yield* exists(Collections.Customers, c.customer))
        }
        // The subscription whose periods each customer's usage of each metric follows.
        const live = new Map<string, ReadonlyArray<Subscription>>()
        // By customer, then metric id (no key string per event).
        const billingSub = new Map<string, Map<string, Subscription | undefined>>()
        for (const c of checked) {
          const metric = metricByCode.get(c.code)
          if (c.customer === undefined || metric === undefined || !customerExists.get(c.customer)) continue
          let byMetric = billingSub.get(c.customer)
          if (byMetric?.has(metric.id)) continue
          if (byMetric === undefined) billingSub.set(c.customer, byMetric = new Map())
          if (!live.has(c.customer)) live.set(c.customer, yield* rollups.liveSubscriptions(c.customer))
          byMetric.set(metric.id, yield* rollups.billingSubscription(live.get(c.customer)!, metric.id, lookup))
        }

        // Each event, resolved: customer, metric, quantity, period (no storage from here).
        const ready: Array<Ready> = []
        // A batch mostly repeats one value (the default 1) and one timestamp: format each once.
        const valueText = onceEach((value: bigint) => plain(fromScaled(value)))
        const timeText = onceEach(isoAt)
        const idTime = onceEach(encodeTime)
        let lastSub: Subscription | undefined
        let lastPeriod: Period | undefined
        checked.forEach((c, n) => {
          const metric = metricByCode.get(c.code)
          if (metric === undefined) return reject(c.index, "code", `no such metric: ${c.code}`)
          let customer: string
          let sub: Subscription | undefined
          if (c.subscription !== undefined) {
            sub = subscriptionById.get(c.subscription)
            if (sub === undefined) return reject(c.index, "subscription", `no such subscription: ${c.subscription}`)
            customer = sub.customer
          } else {
            customer = c.customer!
            if (!customerExists.get(customer)) return reject(c.index, "customer", `no such customer: ${customer}`)
            sub = billingSub.get(customer)!.get(metric.id)
          }
          const property = metric.aggregationProperty
          const raw = property === null ? undefined : c.properties[property]
          let quantity = c.value
          if (raw !== undefined && metric.aggregationMethod !== "count" && metric.aggregationMethod !== "unique_count") {
            const parsed = parseScaled(raw)
            if (parsed === undefined) {
              return reject(c.index, `properties.${property}`, `must be a number (metric ${metric.code} aggregates it with ${metric.aggregationMethod})`)
            }
            quantity = parsed
          }
          // Consecutive events of one subscription mostly share a period: work it out once.
          if (lastPeriod === undefined || lastSub !== sub || c.timestamp < lastPeriod.start || c.timestamp >= lastPeriod.end) {
            lastSub = sub
            lastPeriod = rollups.periodAt(sub, c.timestamp)
          }
          const period = lastPeriod
          // The id carries the event's own time (see domain/UsageEvent.ts).
          const id = `ue_${idTime(c.timestamp)}${random[n]}`
          const subscription = c.subscription ?? null
          // The encoded (wire) form of a UsageEvent, built directly: this is the hot path.
          const data: Json = {
            id,
            object: "usage_event",
            event_id: c.eventId,
            customer,
            subscription,
            code: metric.code,
            metric: metric.id,
            value: valueText(c.value),
            properties: c.properties,
            timestamp: timeText(c.timestamp),
            received_at: nowIso
          }
          ready.push({
            index: c.index,
            record: { id, data, index: { event_id: c.eventId, customer, subscription, code: metric.code } },
            eventId: c.eventId,
            customer,
            metric,
            period,
            quantity,
            timestamp: c.timestamp,
            properties: c.properties
          })
        })

        // Insert, skipping taken event_ids; sorted, so concurrent batches wait on each other in one order.
        const sorted = [...ready].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : a.index - b.index))
        const inserted = new Set(yield* storage.insertMany(Collections.UsageEvents, tenant, sorted.map((r) => r.record)))

        const fresh = ready.filter((r) => inserted.has(r.record.id))

        // Their rollups, then the usage limits of every customer whose usage moved.
        // Usage no invoice could carry is refused (the batch rolls back), not met at renewal.
        const moved = yield* rollups.record(fresh, nowIso, live, lookup).pipe(
          Effect.mapError((e) => new Invalid({ field: inputs.length === 1 ? "value" : "events", message: e.message }))
        )
        for (const customer of moved) yield* limits.check(customer, live.get(customer), lookup)

        return { accepted: fresh.length, duplicates: ready.length - fresh.length }
      }))

      return {
        object: "usage_event_result",
        accepted: result.accepted,
        duplicates: result.duplicates,
        rejected: rejected.sort((a, b) => a.index - b.index)
      } satisfies IngestResult as IngestResult
    })

    const listEvents = traced("Usage.listEvents")(function*(page: PageRequest, filters: UsageEventFilters = {}) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.code !== undefined) where.code = filters.code
      return yield* events.list(page, {
        where,
        ...(filters.from === undefined ? {} : { idFrom: lowestIdAt("usageEvent", filters.from) }),
        ...(filters.to === undefined ? {} : { idTo: highestIdAt("usageEvent", filters.to) })
      })
    })

    const requireCustomer = (id: string) =>
      Effect.flatMap(customers.find(id), Option.match({
        onNone: () => Effect.fail(new NotFound({ resource: "customer", id })),
        onSome: Effect.succeed
      }))

    /**
     * A customer's aggregated usage per metric: the current period by default, or every period
     * overlapping [from, to] (at most 100), from rollups only.
     */
    const usage = traced("Usage.usage")(function*(customerId: string, query: UsageQuery = {}) {
      const customer = yield* requireCustomer(customerId)
      const now = yield* Clock.currentTimeMillis
      const lookup = rollups.makeLookup()
      let selected: ReadonlyArray<Metric>
      if (query.code !== undefined) {
        const found = yield* metrics.findBy("code", query.code)
        if (Option.isNone(found)) return yield* new NotFound({ resource: "metric", id: query.code })
        selected = [found.value]
      } else {
        selected = (yield* metrics.list({ limit: 100 })).data
      }
      const live = yield* rollups.liveSubscriptions(customer.id)
      const from = query.from ?? query.to ?? now
      const to = Math.max(query.to ?? now, from)
      const data: Array<CustomerUsage["data"][number]> = []
      for (const metric of selected) {
        const sub = yield* rollups.billingSubscription(live, metric.id, lookup)
        const periods: Array<{ period: Period; value: BigDecimal.BigDecimal; latestAt: number | undefined }> = []
        let period = rollups.periodAt(sub, from)
        while (period.start <= to && periods.length < maxPeriods) {
          const rollup = yield* rollups.readPeriod(rollupKey(customer.id, metric.id, period.start))
          const level = metric.aggregationMethod === "weighted_sum" ? yield* rollups.readLevel(customer.id, metric.id) : undefined
          const value = quantityOf(metric.aggregationMethod, rollup, period, level)
          periods.push({ period, value, latestAt: rollup?.latest == null ? undefined : msOf(rollup.latest.timestamp) })
          if (period.end > to) break
          period = rollups.periodAt(sub, period.end)
        }
        data.push({
          metric: metric.id,
          code: metric.code,
          name: metric.name,
          aggregationMethod: metric.aggregationMethod,
          value: plain(combine(metric, periods)),
          periods: periods.map((p) => ({ start: isoAt(p.period.start), end: isoAt(p.period.end), value: plain(p.value) }))
        })
      }
      return { object: "customer_usage", customer: customer.id, data } satisfies CustomerUsage as CustomerUsage
    })

    /** The current period's estimated usage cost per price, and in total per currency. */
    const costs = traced("Usage.costs")(function*(customerId: string) {
      const customer = yield* requireCustomer(customerId)
      const estimate = yield* rollups.estimate(customer.id)
      return {
        object: "customer_costs",
        customer: customer.id,
        lines: estimate.lines.map((l) => ({
          subscription: l.subscription, price: l.price, metric: l.metric, code: l.code, currency: l.currency,
          quantity: plain(l.quantity), amount: l.amount, period: { start: isoAt(l.period.start), end: isoAt(l.period.end) }
        })),
        totals: [...estimate.totals].map(([currency, amount]) => {
          const period = estimate.periods.get(currency)!
          return { currency, amount, period: { start: isoAt(period.start), end: isoAt(period.end) } }
        })
      } satisfies CustomerCosts as CustomerCosts
    })

    return {
      ingest,
      listEvents,
      usage,
      costs
    } as const
  }),
  dependencies: [UsageRollups.Default, UsageLimits.Default]
}) {}

/** `f`, computed once per distinct argument. */
const onceEach = <K, V>(f: (key: K) => V) => {
  const known = new Map<K, V>()
  return (key: K): V => {
    if (known.has(key)) return known.get(key)!
    const value = f(key)
    known.set(key, value)
    return value
  }
}

/** Several periods' values as one (see CustomerUsage.value). */
const combine = (
  metric: Metric,
  periods: ReadonlyArray<{ readonly period: Period; readonly value: BigDecimal.BigDecimal; readonly latestAt: number | undefined }>
): BigDecimal.BigDecimal => {
  switch (metric.aggregationMethod) {
    case "count":
    case "sum":
    case "unique_count":
      return periods.reduce((acc, p) => BigDecimal.sum(acc, p.value), zero)
    case "max":
      return periods.reduce<BigDecimal.BigDecimal | undefined>((acc, p) => (acc === undefined ? p.value : BigDecimal.max(acc, p.value)), undefined) ?? zero
    case "latest": {
      let best: { at: number; value: BigDecimal.BigDecimal } | undefined
      for (const p of periods) if (p.latestAt !== undefined && (best === undefined || p.latestAt >= best.at)) best = { at: p.latestAt, value: p.value }
      return best?.value ?? zero
    }
    case "weighted_sum": {
      let weighted = zero
      let span = 0
      for (const p of periods) {
        const length = p.period.end - p.period.start
        weighted = BigDecimal.sum(weighted, BigDecimal.multiply(p.value, BigDecimal.fromBigInt(BigInt(length))))
        span += length
      }
      return span === 0 ? zero : BigDecimal.normalize(divideRounded(weighted, BigInt(span)))
    }
  }
}
