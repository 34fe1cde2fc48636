/**
 * Usage metering: event ingestion with rollups, the customer views (usage, costs), and the two
 * calls the invoice engine makes (`chargesFor`, `markBilled`).
 *
 * Ingesting a batch is one transaction: the events are inserted with `insertMany`, which skips
 * event_ids already taken (also by a concurrent identical post, on every backend), and only the
 * events actually inserted update the rollups of their (customer, metric, period). Each rollup a
 * batch touches is read once (locked on Postgres) and written once, in key order; metric filters
 * apply here, so an event a metric filters out never enters its rollup. Then the customer's usage
 * limits are checked in the same transaction.
 */
import { BigDecimal, Clock, Effect, Either, Option, ParseResult, Schema } from "effect"
import { Customer } from "../domain/Customer.js"
import { Invalid, NotFound } from "../domain/Errors.js"
import { encodeRandom, encodeTime, highestIdAt, lowestIdAt } from "../domain/Ids.js"
import { parseInstant } from "../domain/Instant.js"
import { Metric, passesFilters } from "../domain/Metric.js"
import type { Period } from "../domain/Period.js"
import { Subscription } from "../domain/Subscription.js"
import {
  maxEventAgeMs,
  maxEventLeadMs,
  type IngestResult,
  type Rejection,
  UsageEvent,
  UsageEventInput
} from "../domain/UsageEvent.js"
import type { CustomerCosts, CustomerUsage } from "../domain/UsageLimit.js"
import {
  addContribution,
  applyDelta,
  applyLevel,
  divideRounded,
  emptyDelta,
  emptyLevel,
  emptyPeriodRollup,
  fromScaled,
  isoAt,
  levelKey,
  msOf,
  parseScaled,
  plain,
  quantityOf,
  type RollupDelta,
  rollupKey,
  zero
} from "../domain/UsageRollup.js"
import { IdGenerator } from "../ports/IdGenerator.js"
import type { Json, StoredRecord } from "../ports/Storage.js"
import { Storage } from "../ports/Storage.js"
import * as Collections from "../storage/Collections.js"
import type { PageRequest } from "./Page.js"
import { makeRepository } from "./Repository.js"
import { CurrentTenant } from "./Tenancy.js"
import { UsageLimits } from "./UsageLimits.js"
import { UsageRollups } from "./UsageRollups.js"
import { traced } from "./Traced.js"

export type { UsageCharge } from "./UsageRollups.js"

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

/** 1 in 10⁻¹² units: an event's default value. */
const one = 10n ** 12n
const maxPeriods = 100

const decodeInput = Schema.decodeUnknownEither(UsageEventInput)

/** `["properties", "x"]` → `properties.x` */
const fieldPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`, "")

type Properties = Readonly<Record<string, string | number>>

/** An event that passed every check that needs no storage. */
interface Checked {
  readonly index: number
  readonly eventId: string
  readonly customer: string | undefined
  readonly subscription: string | undefined
  readonly code: string
  readonly properties: Properties
  readonly timestamp: number
  /** In 10⁻¹² units. */
  readonly value: bigint
}

/** An event ready to store, with what it adds to its metric's rollup. */
interface Ready {
  readonly index: number
  readonly record: StoredRecord
  readonly eventId: string
  readonly customer: string
  readonly metric: Metric
  readonly period: Period
  /** False when the metric's filters drop the event. */
  readonly counted: boolean
  /** In 10⁻¹² units. */
  readonly quantity: bigint
  readonly timestamp: number
  readonly distinct: string | undefined
}

interface Group {
  readonly key: string
  readonly customer: string
  readonly metric: Metric
  readonly period: Period
  readonly delta: RollupDelta
  readonly distinct: Set<string>
}

const eventKeys: ReadonlySet<string> = new Set(["event_id", "customer", "subscription", "code", "value", "properties", "timestamp"])
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** An event as decoded, whichever way. */
export interface Decoded {
  readonly eventId: string
  readonly customer: string | undefined
  readonly subscription: string | undefined
  readonly code: string
  readonly value: string | number | undefined
  readonly properties: Properties | undefined
  /** Epoch ms, if given. */
  readonly timestamp: number | undefined
}

/**
 * The common case without the Schema: an event that plainly satisfies `UsageEventInput`, decoded
 * the same way; undefined lets the Schema decide (and name what is wrong). It accepts nothing the
 * Schema refuses (the usage tests hold the two to the same answers); it is only quicker.
 */
export const fastDecode = (raw: unknown): Decoded | undefined => {
  if (!isRecord(raw)) return undefined
  for (const key in raw) if (!eventKeys.has(key)) return undefined
  const { code, customer, event_id, properties, subscription, timestamp, value } = raw
  if (typeof event_id !== "string" || event_id.length === 0 || event_id.length > 255 || typeof code !== "string") return undefined
  if ((customer !== undefined && typeof customer !== "string") || (subscription !== undefined && typeof subscription !== "string")) return undefined
  if (value !== undefined && typeof value !== "string" && typeof value !== "number") return undefined
  if (properties !== undefined) {
    if (!isRecord(properties)) return undefined
    let n = 0
    for (const key in properties) {
      if (++n > 50 || key.length === 0 || key.length > 100) return undefined
      const v = properties[key]
      if (!(typeof v === "string" ? v.length <= 500 : typeof v === "number" && Number.isFinite(v))) return undefined
    }
  }
  let at: number | undefined
  if (timestamp !== undefined) {
    if (typeof timestamp !== "string" && typeof timestamp !== "number") return undefined
    at = parseInstant(timestamp)
    if (at === undefined) return undefined
  }
  return { eventId: event_id, customer, subscription, code, value, properties: properties as Properties | undefined, timestamp: at }
}

/** The Schema's way: every problem of the event, by field. */
export const schemaDecode = (raw: unknown): Either.Either<Decoded, ReadonlyArray<{ field: string; message: string }>> =>
  Either.match(decodeInput(raw), {
    onLeft: (error) =>
      Either.left(ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({ field: fieldPath(issue.path) || "body", message: issue.message }))),
    onRight: (input) =>
      Either.right({
        eventId: input.eventId,
        customer: input.customer,
        subscription: input.subscription,
        code: input.code,
        value: input.value,
        properties: input.properties,
        timestamp: input.timestamp === undefined ? undefined : msOf(input.timestamp)
      })
  })

const hexValue = new Map(Array.from({ length: 256 }, (_, b) => [b.toString(16).padStart(2, "0"), b] as const))

/** 10 random bytes per event, from one draw of the IdGenerator's randomness. */
const randomParts = (hex: string, n: number): Array<string> => {
  const out: Array<string> = new Array(n)
  const bytes = new Uint8Array(10)
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < 10; b++) {
      const at = (i * 10 + b) * 2
      bytes[b] = hexValue.get(hex.slice(at, at + 2))!
    }
    out[i] = encodeRandom(bytes)
  }
  return out
}

export class Usage extends Effect.Service<Usage>()("@billkit/core/Usage", {
  effect: Effect.gen(function*() {
    const storage = yield* Storage
    const ids = yield* IdGenerator
    const rollups = yield* UsageRollups
    const limits = yield* UsageLimits
    const events = yield* makeRepository(Collections.UsageEvents, UsageEvent, {
      resource: "usage event",
      index: (e) => ({ event_id: e.eventId, customer: e.customer, subscription: e.subscription, code: e.code })
    })
    const metrics = yield* makeRepository(Collections.Metrics, Metric, { resource: "metric", index: (m) => ({ code: m.code }) })
    const subscriptions = yield* makeRepository(Collections.Subscriptions, Subscription, { resource: "subscription", index: () => ({}) })
    const customers = yield* makeRepository(Collections.Customers, Customer, { resource: "customer", index: () => ({}) })

    const exists = (spec: typeof Collections.Customers, id: string) =>
      Effect.flatMap(CurrentTenant, (tenant) => storage.get(spec, tenant, id)).pipe(Effect.map(Option.isSome))

    /** Checks that need no storage: shape, one of customer/subscription, value, timestamp bounds. */
    const precheck = (inputs: ReadonlyArray<unknown>, now: number) => {
      const rejected: Array<Rejection> = []
      const checked: Array<Checked> = []
      inputs.forEach((raw, index) => {
        let input = fastDecode(raw)
        if (input === undefined) {
          const decoded = schemaDecode(raw)
          if (Either.isLeft(decoded)) {
            for (const problem of decoded.left) rejected.push({ index, ...problem })
            return
          }
          input = decoded.right
        }
        const before = rejected.length
        if ((input.customer === undefined) === (input.subscription === undefined)) {
          rejected.push({ index, field: "customer", message: "give exactly one of customer or subscription" })
        }
        const value = input.value === undefined ? one : parseScaled(input.value)
        if (value === undefined) rejected.push({ index, field: "value", message: "must be a decimal with at most 20 digits and 12 decimals" })
        const timestamp = input.timestamp ?? now
        if (timestamp < now - maxEventAgeMs) {
          rejected.push({ index, field: "timestamp", message: `is more than 35 days before now (${isoAt(now)}): usage that old can no longer be recorded` })
        } else if (timestamp > now + maxEventLeadMs) {
          rejected.push({ index, field: "timestamp", message: `is more than 5 minutes ahead of now (${isoAt(now)})` })
        }
        if (rejected.length === before) {
          checked.push({
            index,
            eventId: input.eventId,
            customer: input.customer,
            subscription: input.subscription,
            code: input.code,
            properties: input.properties ?? {},
            timestamp,
            value: value!
          })
        }
      })
      return { rejected, checked }
    }

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
      const random = randomParts(yield* ids.secretHex(10 * checked.length), checked.length)

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
        const billingSub = new Map<string, Subscription | undefined>()
        for (const c of checked) {
          const metric = metricByCode.get(c.code)
          if (c.customer === undefined || metric === undefined || !customerExists.get(c.customer)) continue
          const key = `${c.customer}:${metric.id}`
          if (billingSub.has(key)) continue
          if (!live.has(c.customer)) live.set(c.customer, yield* rollups.liveSubscriptions(c.customer))
          billingSub.set(key, yield* rollups.billingSubscription(live.get(c.customer)!, metric.id, lookup))
        }

        // Each event, resolved: customer, metric, quantity, period (no storage from here).
        const ready: Array<Ready> = []
        let lastPeriod: { sub: Subscription | undefined; period: Period } | undefined
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
            sub = billingSub.get(`${customer}:${metric.id}`)
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
          const period = lastPeriod !== undefined && lastPeriod.sub === sub && lastPeriod.period.start <= c.timestamp && c.timestamp < lastPeriod.period.end
            ? lastPeriod.period
            : rollups.periodAt(sub, c.timestamp)
          lastPeriod = { sub, period }
          // The id carries the event's own time (see domain/UsageEvent.ts).
          const id = `ue_${encodeTime(c.timestamp)}${random[n]}`
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
            value: plain(fromScaled(c.value)),
            properties: c.properties,
            timestamp: isoAt(c.timestamp),
            received_at: nowIso
          }
          ready.push({
            index: c.index,
            record: { id, data, index: { event_id: c.eventId, customer, subscription, code: metric.code } },
            eventId: c.eventId,
            customer,
            metric,
            period,
            counted: passesFilters(metric.filters, c.properties),
            quantity,
            timestamp: c.timestamp,
            distinct: metric.aggregationMethod === "unique_count" && raw !== undefined ? String(raw) : undefined
          })
        })

        // Insert, skipping taken event_ids; sorted, so concurrent batches wait on each other in one order.
        const sorted = [...ready].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : a.index - b.index))
        const inserted = new Set(yield* storage.insertMany(Collections.UsageEvents, tenant, sorted.map((r) => r.record)))

        // What the new events add to each rollup.
        const groups = new Map<string, Group>()
        for (const r of ready) {
          if (!r.counted || !inserted.has(r.record.id)) continue
          const key = rollupKey(r.customer, r.metric.id, r.period.start)
          let group = groups.get(key)
          if (group === undefined) {
            group = { key, customer: r.customer, metric: r.metric, period: r.period, delta: emptyDelta(), distinct: new Set() }
            groups.set(key, group)
          }
          addContribution(group.delta, { quantity: r.quantity, timestamp: r.timestamp })
          if (r.distinct !== undefined) group.distinct.add(r.distinct)
        }

        if (groups.size > 0) {
          // unique_count: a value counts when its record is new (insertMany skips those seen before).
          const distinctRecords: Array<StoredRecord> = []
          const rollupOfDistinct = new Map<string, string>()
          for (const group of groups.values()) {
            for (const value of group.distinct) {
              const key = `${group.key}:${value}`
              const id = `ud_${key}`
              rollupOfDistinct.set(id, group.key)
              distinctRecords.push({ id, data: { id, key, rollup: group.key, value }, index: { key } })
            }
          }
          if (distinctRecords.length > 0) {
            distinctRecords.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
            for (const id of yield* storage.insertMany(Collections.UsageDistinct, tenant, distinctRecords)) {
              groups.get(rollupOfDistinct.get(id)!)!.delta.distinct += 1
            }
          }

          // weighted_sum levels first, then the period rollups: the order markBilled locks in too.
          const weighted = new Map<string, { customer: string; metric: Metric; deltas: Map<string, BigDecimal.BigDecimal> }>()
          for (const g of groups.values()) {
            if (g.metric.aggregationMethod !== "weighted_sum") continue
            const key = levelKey(g.customer, g.metric.id)
            const entry = weighted.get(key) ?? { customer: g.customer, metric: g.metric, deltas: new Map() }
            entry.deltas.set(isoAt(g.period.start), fromScaled(g.delta.sum))
            weighted.set(key, entry)
          }
          const levels = yield* rollups.lockLevels([...weighted.values()].map((w) => emptyLevel(w.customer, w.metric.id, nowIso)))
          const current = yield* rollups.lockPeriods([...groups.values()].map((g) => emptyPeriodRollup(g.customer, g.metric.id, g.period, nowIso)))

          const newLevels = new Map<string, ReturnType<typeof applyLevel>>()
          for (const [key, w] of weighted) {
            const next = applyLevel(levels.get(key)!, w.deltas, nowIso)
            newLevels.set(key, next)
            yield* rollups.write(next)
          }

          // Billed rollups this batch changed: the next invoice adjusts them (see UsageRollups).
          const pendingAdd = new Map<string, Set<string>>()
          const pendingRemove = new Map<string, Set<string>>()
          const mark = (customer: string, key: string, differs: boolean) => {
            const target = differs ? pendingAdd : pendingRemove
            const set = target.get(customer) ?? new Set<string>()
            set.add(key)
            target.set(customer, set)
          }
          for (const g of groups.values()) {
            const next = applyDelta(current.get(g.key)!, g.delta, nowIso)
            // Usage no invoice could carry is refused here (the batch rolls back), not at renewal.
            if (!live.has(g.customer)) live.set(g.customer, yield* rollups.liveSubscriptions(g.customer))
            yield* rollups.checkPriceable(g.metric, next, newLevels.get(levelKey(g.customer, g.metric.id)), live.get(g.customer)!, lookup).pipe(
              Effect.mapError((e) => new Invalid({ field: inputs.length === 1 ? "value" : "events", message: e.message }))
            )
            yield* rollups.write(next)
            if (Object.keys(next.billed).length > 0) {
              mark(g.customer, g.key, rollups.differsFromBilled(g.metric, next, newLevels.get(levelKey(g.customer, g.metric.id))))
            }
          }
          // A late increment changes the level of every later period of a weighted_sum metric.
          for (const [key, w] of weighted) {
            const changed = [...w.deltas].filter(([, d]) => !BigDecimal.isZero(d)).map(([start]) => start).sort()
            if (changed.length === 0) continue
            for (const p of levels.get(key)!.periods) {
              if (p.start <= changed[0]) continue
              const laterKey = rollupKey(w.customer, w.metric.id, msOf(p.start))
              if (groups.has(laterKey)) continue
              const later = yield* rollups.readPeriod(laterKey)
              if (later === undefined || Object.keys(later.billed).length === 0) continue
              mark(w.customer, laterKey, rollups.differsFromBilled(w.metric, later, newLevels.get(key)))
            }
          }
          const touched = new Set([...pendingAdd.keys(), ...pendingRemove.keys()])
          for (const customer of touched) {
            yield* rollups.updatePending(customer, pendingAdd.get(customer) ?? new Set(), pendingRemove.get(customer) ?? new Set(), nowIso)
          }

          // Usage limits of every customer whose usage moved.
          const customersTouched = new Set([...groups.values()].map((g) => g.customer))
          for (const customer of customersTouched) yield* limits.check(customer, live.get(customer), lookup)
        }

        const accepted = ready.filter((r) => inserted.has(r.record.id)).length
        return { accepted, duplicates: ready.length - accepted }
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
      costs,
      /** See UsageRollups.chargesFor. */
      chargesFor: rollups.chargesFor,
      /** See UsageRollups.markBilled. */
      markBilled: rollups.markBilled
    } as const
  }),
  dependencies: [UsageRollups.Default, UsageLimits.Default]
}) {}

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
