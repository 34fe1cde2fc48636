/**
 * Rollup records in storage, for the UsageRollups service (built inside it): catalog lookups
 * memoized per operation, the customer's live subscriptions and the periods its usage follows,
 * keyed reads, writes and key-ordered locks of period rollups, weighted_sum levels and the
 * customer's pending-adjustment list (late events, see UsageRollups.ts).
 *
 * Periods. A customer's usage of a metric is rolled up per period of the subscription that
 * charges it: the one an event names, else the customer's oldest live subscription with a usage
 * price on that metric, else its oldest live subscription. Without a live subscription (or for
 * usage before it started) periods are calendar months, UTC. Rollups are per customer, metric and
 * period start, so two subscriptions of one customer with different anchors that price the same
 * metric do not share one.
 */
import { BigDecimal, Effect, Option, Schema } from "effect"
import type { Metric } from "../catalog/domain/index.js"
import type { Period } from "../kernel/Period.js"
import { isUsagePrice } from "../catalog/domain/index.js"
import { liveStatuses, Subscription } from "../subscriptions/domain/index.js"
import {
  calendarMonth,
  emptyPending,
  LevelRollup,
  levelKey,
  PendingAdjustments,
  PeriodRollup,
  pendingKey,
  quantityOf,
  rollupId,
  rollupKey,
  subscriptionPeriodAt
} from "./domain/UsageRollup.js"
import type { Json, StoredRecord } from "../kernel/Storage.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { memoForRun } from "../kernel/RunMemo.js"
import { msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { MetricRecords, PlanRecords, PriceRecords } from "../catalog/domain/index.js"
import { SubscriptionRecords } from "../subscriptions/domain/index.js"
import type { UsagePrice } from "./UsagePricing.js"

const decodePeriod = Schema.decodeUnknown(PeriodRollup)
const decodeLevel = Schema.decodeUnknown(LevelRollup)
const decodePending = Schema.decodeUnknown(PendingAdjustments)

const stored = (record: { readonly id: string; readonly key: string; readonly customer: string }): StoredRecord => ({
  id: record.id,
  data: record as unknown as Json,
  index: { key: record.key, customer: record.customer }
})

/**
 * Whether a billed rollup now differs from what was billed of it: its quantity, recomputed for
 * each price that billed it, is not the quantity billed.
 */
export const differsFromBilled = (metric: Metric, rollup: PeriodRollup, level: LevelRollup | undefined): boolean =>
  Object.values(rollup.billed).some((b) => {
    const q = quantityOf(metric.aggregationMethod, rollup, { start: msOf(rollup.start), end: msOf(b.end) }, level)
    return !BigDecimal.equals(q, BigDecimal.unsafeFromString(b.quantity))
  })

export const makeRollupStore = Effect.gen(function*() {
  const storage = yield* Storage
  const subscriptions = yield* makeRepository(SubscriptionRecords)
  const plans = yield* makeRepository(PlanRecords)
  const prices = yield* makeRepository(PriceRecords)
  const metrics = yield* makeRepository(MetricRecords)

  /**
   * Catalog reads memoized for one operation (an ingested batch, a view, an invoice): plans,
   * prices and metrics do not change under it in any way that matters to usage.
   */
  const makeLookup = () => {
    const cache = new Map<string, unknown>()
    const memo = <A>(key: string, effect: Effect.Effect<A, never, CurrentTenant>): Effect.Effect<A, never, CurrentTenant> =>
      Effect.suspend(() =>
        cache.has(key) ? Effect.succeed(cache.get(key) as A) : Effect.tap(effect, (a) => Effect.sync(() => cache.set(key, a)))
      )
    const metric = (id: string) => memo(`metric:${id}`, metrics.find(id))
    const price = (id: string) => memo(`price:${id}`, prices.find(id))
    /** A subscription's usage prices: its plan's prices with a metric, in its currency. */
    // Also memoized for a whole billing-loop run (RunMemo): plans and prices do not change in one.
    const usagePrices = (sub: Subscription) =>
      memoForRun(`usage-prices:${sub.plan}:${sub.currency}`, memo(`usage:${sub.plan}:${sub.currency}`, Effect.gen(function*() {
        const plan = yield* plans.find(sub.plan)
        if (Option.isNone(plan)) return [] as ReadonlyArray<UsagePrice>
        const found = yield* Effect.forEach(plan.value.prices, price)
        return found.flatMap((p) => Option.isSome(p) && isUsagePrice(p.value) && p.value.currency === sub.currency ? [p.value as UsagePrice] : [])
      })))
    return { metric, price, usagePrices }
  }
  type Lookup = ReturnType<typeof makeLookup>

  /** The customer's live subscriptions, oldest first. */
  const liveSubscriptions = traced("UsageRollups.liveSubscriptions")(function*(customer: string) {
    const live: Array<Subscription> = []
    let startingAfter: string | undefined
    for (;;) {
      const page = yield* subscriptions.list({ limit: 100, ...(startingAfter ? { startingAfter } : {}) }, { where: { customer } })
      for (const s of page.data) if (liveStatuses.includes(s.status)) live.push(s)
      if (!page.hasMore || page.data.length === 0) return live as ReadonlyArray<Subscription>
      startingAfter = page.data[page.data.length - 1].id
    }
  })

  /** The subscription whose periods a metric's usage follows (see the module note), if any. */
  const billingSubscription = (live: ReadonlyArray<Subscription>, metric: string, lookup: Lookup) =>
    Effect.gen(function*() {
      if (live.length <= 1) return live[0]
      for (const sub of live) {
        if ((yield* lookup.usagePrices(sub)).some((p) => p.metric === metric)) return sub
      }
      return live[0]
    })

  /** The period containing `t` for `sub` (or the calendar month without one, or before it). */
  const periodAt = (sub: Subscription | undefined, t: number): Period =>
    (sub === undefined ? undefined : subscriptionPeriodAt(sub, t)) ?? calendarMonth(t)

  // -----------------------------------------------------------------------------------------
  // Rollup records.

  const read = <A>(key: string, decode: (u: unknown) => Effect.Effect<A, unknown>, forUpdate = false) =>
    Effect.flatMap(CurrentTenant, (tenant) => storage.get(Collections.UsageRollups, tenant, rollupId(key), { forUpdate })).pipe(
      Effect.flatMap(Option.match({
        onNone: () => Effect.succeed(undefined),
        onSome: (json) => Effect.orDie(decode(json))
      }))
    )

  const readPeriod = (key: string, forUpdate = false) => read(key, decodePeriod, forUpdate)
  const readLevel = (customer: string, metric: string, forUpdate = false) => read(levelKey(customer, metric), decodeLevel, forUpdate)
  const readPending = (customer: string, forUpdate = false) => read(pendingKey(customer), decodePending, forUpdate)

  const write = (record: PeriodRollup | LevelRollup | PendingAdjustments) =>
    Effect.flatMap(CurrentTenant, (tenant) => storage.update(Collections.UsageRollups, tenant, stored(record))).pipe(Effect.orDie)

  /**
   * Locks the records (creating empty ones where missing) in key order, so that concurrent
   * batches on Postgres always lock in the same order. Returns them by key. Inside a
   * transaction: a record created here stays invisible to others until it commits, and a
   * concurrent creator waits on it, then finds it.
   */
  const lockAll = <A extends { readonly id: string; readonly key: string; readonly customer: string }>(
    empties: ReadonlyArray<A>,
    decode: (u: unknown) => Effect.Effect<A, unknown>
  ) =>
    Effect.gen(function*() {
      const tenant = yield* CurrentTenant
      const unique = [...new Map(empties.map((e) => [e.key, e] as const)).values()]
      const sorted = unique.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      const inserted = new Set(yield* storage.insertMany(Collections.UsageRollups, tenant, sorted.map(stored)))
      const out = new Map<string, A>()
      for (const empty of sorted) {
        if (inserted.has(empty.id)) {
          out.set(empty.key, empty)
        } else {
          const found = yield* storage.get(Collections.UsageRollups, tenant, empty.id, { forUpdate: true })
          if (Option.isNone(found)) return yield* Effect.dieMessage(`usage rollup ${empty.key} vanished`)
          out.set(empty.key, yield* Effect.orDie(decode(found.value)))
        }
      }
      return out as ReadonlyMap<string, A>
    })

  const lockPeriods = (empties: ReadonlyArray<PeriodRollup>) => lockAll(empties, decodePeriod)
  const lockLevels = (empties: ReadonlyArray<LevelRollup>) => lockAll(empties, decodeLevel)
  const lockPending = (customer: string, now: string) =>
    Effect.map(lockAll([emptyPending(customer, now)], decodePending), (m) => m.get(pendingKey(customer))!)

  /** A metric's quantity in a period, from its rollup (and its level for weighted_sum). */
  const quantity = (metric: Metric, customer: string, period: Period, rollup?: PeriodRollup) =>
    Effect.gen(function*() {
      const found = rollup ?? (yield* readPeriod(rollupKey(customer, metric.id, period.start)))
      const level = metric.aggregationMethod === "weighted_sum" ? yield* readLevel(customer, metric.id) : undefined
      return quantityOf(metric.aggregationMethod, found, period, level)
    })

  /** Puts keys on (or takes them off) a customer's pending-adjustment list, locking it. */
  const updatePending = (customer: string, add: ReadonlySet<string>, remove: ReadonlySet<string>, now: string) =>
    Effect.gen(function*() {
      if (add.size === 0 && remove.size === 0) return
      const current = yield* readPending(customer)
      const has = new Set(current?.keys ?? [])
      const needed = [...add].some((k) => !has.has(k)) || [...remove].some((k) => has.has(k) && !add.has(k))
      if (!needed) return
      const locked = yield* lockPending(customer, now)
      const keys = new Set(locked.keys)
      for (const k of remove) keys.delete(k)
      for (const k of add) keys.add(k)
      yield* write({ ...locked, keys: [...keys].sort(), updatedAt: now })
    })

  return {
    makeLookup,
    liveSubscriptions,
    billingSubscription,
    periodAt,
    readPeriod,
    readLevel,
    readPending,
    write,
    lockPeriods,
    lockLevels,
    quantity,
    updatePending
  } as const
})

export type RollupStore = Effect.Effect.Success<typeof makeRollupStore>
export type Lookup = ReturnType<RollupStore["makeLookup"]>
