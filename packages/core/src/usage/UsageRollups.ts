/**
 * Usage rollups in storage, and what they cost: `record` rolls each ingested batch into its
 * rollups; the customer views (usage, costs, entitlements) and usage limits read them; invoicing
 * calls `chargesFor` and `markBilled`. Every read here is a keyed read of a rollup, never a scan
 * of raw events.
 *
 * Recording a batch, in the caller's transaction: an event its metric's filters drop enters no
 * rollup; a unique_count value counts when its distinct record is new; then the weighted_sum
 * levels the batch touches are locked, then its period rollups, each kind in key order (the order
 * `markBilled` locks in too); each is read once (locked on Postgres) and written once, and billed
 * rollups it changes go on the pending list (late events, below).
 *
 * Periods. A customer's usage of a metric is rolled up per period of the subscription that
 * charges it: the one an event names, else the customer's oldest live subscription with a usage
 * price on that metric, else its oldest live subscription. Without a live subscription (or for
 * usage before it started) periods are calendar months, UTC. Rollups are per customer, metric and
 * period start, so two subscriptions of one customer with different anchors that price the same
 * metric do not share one.
 *
 * Late events. When an event changes a rollup some invoice already billed (`markBilled` records
 * what it billed), the rollup's key goes on the customer's pending list; the next `chargesFor` of
 * that subscription adds an adjustment line (new charge − billed amount) and `markBilled` of that
 * line takes it off, so each change is billed exactly once.
 */
import { BigDecimal, Clock, Effect, Option, Schema } from "effect"
import { AmountOutOfRange, formatBound, maxLineAmount, shorten } from "../kernel/Bounds.js"
import { ChargeModels } from "../catalog/domain/index.js"
import { Conflict } from "../kernel/Errors.js"
import type { Metric } from "../catalog/domain/index.js"
import type { Period } from "../kernel/Period.js"
import { isUsagePrice, Price } from "../catalog/domain/index.js"
import { liveStatuses, Subscription } from "../subscriptions/domain/index.js"
import {
  applyDelta,
  applyLevel,
  Billed,
  calendarMonth,
  chargeable,
  emptyLevel,
  emptyPending,
  emptyPeriodRollup,
  fromScaled,
  groupEvents,
  LevelRollup,
  levelKey,
  PendingAdjustments,
  PeriodRollup,
  pendingKey,
  plain,
  quantityOf,
  type RecordedEvent,
  rollupId,
  rollupKey,
  subscriptionPeriodAt,
  zero
} from "./domain/UsageRollup.js"
import type { Json, StoredRecord } from "../kernel/Storage.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { memoForRun } from "../kernel/RunMemo.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { encoder } from "../kernel/Encoder.js"
import { MetricRecords, PlanRecords, PriceRecords } from "../catalog/domain/index.js"
import { SubscriptionRecords } from "../subscriptions/domain/index.js"

type UsagePrice = Price & { readonly metric: string; readonly chargeModel: ChargeModels.ChargeModel["chargeModel"] }

/** One line of usage on an invoice: what the invoice engine gets from `UsageRollups.chargesFor`. */
export interface UsageCharge {
  readonly price: string
  readonly metric: string
  readonly code: string
  /** The period's quantity; for an adjustment, the corrected total quantity of that period. */
  readonly quantity: BigDecimal.BigDecimal
  /** Minor units, rounded once. For an adjustment: charge(corrected quantity) − amount billed before; may be negative. */
  readonly amount: number
  readonly period: { readonly start: number; readonly end: number }
  readonly description: string
  /** The rollup this line bills; `markBilled` records the billing on it. */
  readonly rollupKey: string
  /** True for a correction of an earlier, already billed period (late events). */
  readonly adjustment: boolean
  readonly customer: string
  readonly subscription: string
  readonly currency: string
}

/** One usage price's estimated cost for a subscription's current period. */
export interface CostLine {
  readonly subscription: string
  readonly price: string
  readonly metric: string
  readonly code: string
  readonly currency: string
  readonly quantity: BigDecimal.BigDecimal
  readonly amount: number
  readonly period: Period
}

export interface Estimate {
  readonly lines: ReadonlyArray<CostLine>
  /** Σ amounts per currency. */
  readonly totals: ReadonlyMap<string, number>
  /** The current period per currency: that of the customer's oldest live subscription in it. */
  readonly periods: ReadonlyMap<string, Period>
}

const decodePeriod = Schema.decodeUnknown(PeriodRollup)
const decodeLevel = Schema.decodeUnknown(LevelRollup)
const decodePending = Schema.decodeUnknown(PendingAdjustments)
const encodeBilled = encoder(Billed)

const dateOf = (ms: number) => isoAt(ms).slice(0, 10)
const describePeriod = (p: Period) => `${dateOf(p.start)} – ${dateOf(p.end)}`

const modelOf = (price: UsagePrice): ChargeModels.ChargeModel => {
  switch (price.chargeModel) {
    case "per_unit":
      return { chargeModel: "per_unit", unitAmountDecimal: price.unitAmountDecimal ?? "0" }
    case "graduated":
    case "volume":
      return { chargeModel: price.chargeModel, tiers: (price.tiers ?? []).map((t) => ({ upTo: t.upTo, unitAmountDecimal: t.unitAmountDecimal, flatAmount: t.flatAmount })) }
    case "package":
      return { chargeModel: "package", packageSize: price.packageSize ?? 1, amount: price.amount }
  }
}

/** The charge for a quantity, rounded once; a negative net quantity charges nothing. */
const chargeFor = (price: UsagePrice, quantity: BigDecimal.BigDecimal): number =>
  ChargeModels.charge(modelOf(price), chargeable(quantity)).amount

/**
 * chargeFor as an Effect: a charge past the line bound (Bounds.ts) fails with a Conflict naming
 * the metric instead of throwing, so a view answers 409 and the billing loop reports the step.
 */
export const chargeOrFail = (price: UsagePrice, quantity: BigDecimal.BigDecimal, code: string): Effect.Effect<number, Conflict> =>
  Effect.suspend(() => {
    try {
      return Effect.succeed(chargeFor(price, quantity))
    } catch (error) {
      if (!(error instanceof AmountOutOfRange)) throw error
      return Effect.fail(tooCostly(code, quantity))
    }
  })

export const tooCostly = (code: string, quantity: BigDecimal.BigDecimal) =>
  new Conflict({
    field: "usage",
    message: `the usage of metric ${shorten(code)} (quantity ${shorten(plain(quantity))}) costs more than one invoice line may carry (${formatBound(maxLineAmount)} minor units)`
  })

const stored = (record: { readonly id: string; readonly key: string; readonly customer: string }): StoredRecord => ({
  id: record.id,
  data: record as unknown as Json,
  index: { key: record.key, customer: record.customer }
})

export class UsageRollups extends Effect.Service<UsageRollups>()("@billkit/core/UsageRollups", {
  effect: Effect.gen(function*() {
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

    /**
     * Whether a billed rollup now differs from what was billed of it: its quantity, recomputed for
     * each price that billed it, is not the quantity billed.
     */
    const differsFromBilled = (metric: Metric, rollup: PeriodRollup, level: LevelRollup | undefined): boolean =>
      Object.values(rollup.billed).some((b) => {
        const q = quantityOf(metric.aggregationMethod, rollup, { start: msOf(rollup.start), end: msOf(b.end) }, level)
        return !BigDecimal.equals(q, BigDecimal.unsafeFromString(b.quantity))
      })

    /**
     * Refuses usage that could never be invoiced: the rollup's quantity, priced by every live
     * subscription's usage price on its metric, must fit one invoice line (Bounds.ts). Ingestion
     * runs it on each rollup it changed, so a renewal never meets a charge it cannot price.
     */
    const checkPriceable = (metric: Metric, rollup: PeriodRollup, level: LevelRollup | undefined, live: ReadonlyArray<Subscription>, lookup: Lookup) =>
      Effect.gen(function*() {
        const periods = [{ start: msOf(rollup.start), end: msOf(rollup.end) }, ...Object.values(rollup.billed).map((b) => ({ start: msOf(rollup.start), end: msOf(b.end) }))]
        for (const sub of live) {
          for (const price of yield* lookup.usagePrices(sub)) {
            if (price.metric !== metric.id) continue
            for (const period of periods) yield* chargeOrFail(price, chargeable(quantityOf(metric.aggregationMethod, rollup, period, level)), metric.code)
          }
        }
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

    // -----------------------------------------------------------------------------------------
    // Ingestion.

    /**
     * Rolls events just inserted (their event_ids new) into their rollups, in the caller's
     * transaction (see the module note): the period rollups, the weighted_sum levels, and the
     * pending list of billed rollups they change. Returns the customers whose usage moved. Usage
     * that no invoice could carry fails with a Conflict (the caller's batch rolls back) rather
     * than at renewal; `live` caches each customer's live subscriptions for that check.
     */
    const record = traced("UsageRollups.record")(function*(
      events: ReadonlyArray<RecordedEvent>,
      now: string,
      live: Map<string, ReadonlyArray<Subscription>>,
      lookup: Lookup
    ) {
      const groups = groupEvents(events)
      if (groups.size === 0) return new Set<string>() as ReadonlySet<string>
      const tenant = yield* CurrentTenant

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
      const levels = yield* lockLevels([...weighted.values()].map((w) => emptyLevel(w.customer, w.metric.id, now)))
      const current = yield* lockPeriods([...groups.values()].map((g) => emptyPeriodRollup(g.customer, g.metric.id, g.period, now)))

      const newLevels = new Map<string, LevelRollup>()
      for (const [key, w] of weighted) {
        const next = applyLevel(levels.get(key)!, w.deltas, now)
        newLevels.set(key, next)
        yield* write(next)
      }

      // Billed rollups this batch changed: the next invoice adjusts them (see the module note).
      const pendingAdd = new Map<string, Set<string>>()
      const pendingRemove = new Map<string, Set<string>>()
      const mark = (customer: string, key: string, differs: boolean) => {
        const target = differs ? pendingAdd : pendingRemove
        const set = target.get(customer) ?? new Set<string>()
        set.add(key)
        target.set(customer, set)
      }
      for (const g of groups.values()) {
        const next = applyDelta(current.get(g.key)!, g.delta, now)
        if (!live.has(g.customer)) live.set(g.customer, yield* liveSubscriptions(g.customer))
        yield* checkPriceable(g.metric, next, newLevels.get(levelKey(g.customer, g.metric.id)), live.get(g.customer)!, lookup)
        yield* write(next)
        if (Object.keys(next.billed).length > 0) {
          mark(g.customer, g.key, differsFromBilled(g.metric, next, newLevels.get(levelKey(g.customer, g.metric.id))))
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
          const later = yield* readPeriod(laterKey)
          if (later === undefined || Object.keys(later.billed).length === 0) continue
          mark(w.customer, laterKey, differsFromBilled(w.metric, later, newLevels.get(key)))
        }
      }
      const touched = new Set([...pendingAdd.keys(), ...pendingRemove.keys()])
      for (const customer of touched) {
        yield* updatePending(customer, pendingAdd.get(customer) ?? new Set(), pendingRemove.get(customer) ?? new Set(), now)
      }
      return new Set([...groups.values()].map((g) => g.customer)) as ReadonlySet<string>
    })

    // -----------------------------------------------------------------------------------------
    // Costs.

    /** The estimated cost of each live subscription's current usage, from rollups alone. */
    const estimate = traced("UsageRollups.estimate")(function*(customer: string, live?: ReadonlyArray<Subscription>, lookup: Lookup = makeLookup()) {
      const now = yield* Clock.currentTimeMillis
      const subs = live ?? (yield* liveSubscriptions(customer))
      const lines: Array<CostLine> = []
      const totals = new Map<string, number>()
      const periods = new Map<string, Period>()
      for (const sub of subs) {
        const period = periodAt(sub, now)
        if (!periods.has(sub.currency)) periods.set(sub.currency, period)
        if (!totals.has(sub.currency)) totals.set(sub.currency, 0)
        for (const price of yield* lookup.usagePrices(sub)) {
          const metric = yield* lookup.metric(price.metric)
          if (Option.isNone(metric)) continue
          const q = yield* quantity(metric.value, customer, period)
          const amount = yield* chargeOrFail(price, q, metric.value.code)
          lines.push({ subscription: sub.id, price: price.id, metric: metric.value.id, code: metric.value.code, currency: sub.currency, quantity: q, amount, period })
          totals.set(sub.currency, totals.get(sub.currency)! + amount)
        }
      }
      return { lines, totals, periods } as Estimate
    })

    // -----------------------------------------------------------------------------------------
    // Invoicing.

    /**
     * A subscription's usage charges for `period` (each usage price of its plan in its currency,
     * from the period's rollup, zero quantities included) plus adjustments of earlier periods of
     * this subscription that changed after they were billed. Reads only; joins the caller's
     * transaction. Pass every charge returned to `markBilled`, zero amounts included, even when
     * the invoice leaves zero lines out.
     */
    const chargesFor = traced("UsageRollups.chargesFor")(function*(subscription: Subscription, period: { readonly start: number; readonly end: number }) {
      const lookup = makeLookup()
      const charges: Array<UsageCharge> = []
      const own = new Set<string>()
      for (const price of yield* lookup.usagePrices(subscription)) {
        const metric = yield* lookup.metric(price.metric)
        if (Option.isNone(metric)) continue
        const key = rollupKey(subscription.customer, metric.value.id, period.start)
        own.add(key)
        const q = yield* quantity(metric.value, subscription.customer, period)
        charges.push({
          price: price.id, metric: metric.value.id, code: metric.value.code, quantity: q, amount: yield* chargeOrFail(price, q, metric.value.code),
          period: { start: period.start, end: period.end },
          description: `${metric.value.name}, ${describePeriod(period)}`,
          rollupKey: key, adjustment: false, customer: subscription.customer, subscription: subscription.id, currency: subscription.currency
        })
      }
      const pending = yield* readPending(subscription.customer)
      for (const key of pending?.keys ?? []) {
        if (own.has(key)) continue
        const rollup = yield* readPeriod(key)
        if (rollup === undefined) continue
        const metric = yield* lookup.metric(rollup.metric)
        if (Option.isNone(metric)) continue
        const level = metric.value.aggregationMethod === "weighted_sum" ? yield* readLevel(rollup.customer, rollup.metric) : undefined
        for (const [priceId, billed] of Object.entries(rollup.billed)) {
          if (billed.subscription !== subscription.id) continue
          const price = yield* lookup.price(priceId)
          if (Option.isNone(price) || !isUsagePrice(price.value)) continue
          const billedPeriod = { start: msOf(rollup.start), end: msOf(billed.end) }
          const q = quantityOf(metric.value.aggregationMethod, rollup, billedPeriod, level)
          if (BigDecimal.equals(q, BigDecimal.unsafeFromString(billed.quantity))) continue
          const amount = (yield* chargeOrFail(price.value as UsagePrice, q, metric.value.code)) - billed.amount
          charges.push({
            price: priceId, metric: metric.value.id, code: metric.value.code, quantity: q, amount, period: billedPeriod,
            description: `${metric.value.name}, ${describePeriod(billedPeriod)}: adjustment for usage reported after it was invoiced (quantity ${billed.quantity} → ${plain(q)})`,
            rollupKey: key, adjustment: true, customer: subscription.customer, subscription: subscription.id, currency: price.value.currency
          })
        }
      }
      return charges as ReadonlyArray<UsageCharge>
    })

    /**
     * Records on each rollup what these charges billed (quantity and amount per price), so that a
     * later event is billed once, as an adjustment, and takes billed rollups off the pending list.
     * Run it in the transaction that stores the invoice.
     */
    const markBilled = traced("UsageRollups.markBilled")(function*(charges: ReadonlyArray<UsageCharge>) {
      if (charges.length === 0) return
      const now = isoAt(yield* Clock.currentTimeMillis)
      const lookup = makeLookup()
      const byCustomer = new Map<string, Array<UsageCharge>>()
      for (const c of charges) byCustomer.set(c.customer, [...(byCustomer.get(c.customer) ?? []), c])
      for (const [customer, own] of byCustomer) {
        // Levels first, then rollups (the order ingestion locks in), each in key order.
        const weightedMetrics = new Set<string>()
        for (const c of own) {
          const metric = yield* lookup.metric(c.metric)
          if (Option.isSome(metric) && metric.value.aggregationMethod === "weighted_sum") weightedMetrics.add(c.metric)
        }
        const locked = yield* lockLevels([...weightedMetrics].map((m) => emptyLevel(customer, m, now)))
        // A billed period of a weighted_sum metric gets an entry in its level (with no increment),
        // so that a late increment before it finds it and adjusts it too.
        const levels = new Map(locked)
        for (const [key, level] of locked) {
          const starts = new Set(own.filter((c) => levelKey(customer, c.metric) === key).map((c) => isoAt(c.period.start)))
          const missing = [...starts].filter((start) => !level.periods.some((p) => p.start === start))
          if (missing.length === 0) continue
          const next = applyLevel(level, new Map(missing.map((start) => [start, zero] as const)), now)
          levels.set(key, next)
          yield* write(next)
        }
        const rollups = yield* lockPeriods(own.map((c) => emptyPeriodRollup(customer, c.metric, c.period, now)))
        const next = new Map(rollups)
        for (const c of own) {
          const rollup = next.get(c.rollupKey)!
          const before = rollup.billed[c.price]
          const billed = encodeBilled({
            subscription: c.subscription,
            quantity: plain(c.quantity),
            amount: c.adjustment && before !== undefined ? before.amount + c.amount : c.amount,
            end: isoAt(c.period.end),
            at: now
          })
          next.set(c.rollupKey, { ...rollup, billed: { ...rollup.billed, [c.price]: billed }, updatedAt: now })
        }
        const add = new Set<string>()
        const remove = new Set<string>()
        for (const [key, rollup] of next) {
          yield* write(rollup)
          const metric = yield* lookup.metric(rollup.metric)
          if (Option.isNone(metric)) continue
          // An event that committed after chargesFor read this rollup is not in the charge: keep it pending.
          if (differsFromBilled(metric.value, rollup, levels.get(levelKey(customer, rollup.metric)))) add.add(key)
          else remove.add(key)
        }
        yield* updatePending(customer, add, remove, now)
      }
    })

    return {
      makeLookup,
      liveSubscriptions,
      billingSubscription,
      periodAt,
      readPeriod,
      readLevel,
      quantity,
      record,
      estimate,
      chargesFor,
      markBilled
    } as const
  })
}) {}

