/**
 * What usage costs and what invoices bill of it, over the service's RollupStore: `estimate` (for
 * the customer views and usage limits), `chargesFor` and `markBilled` (for invoicing, including
 * the adjustments of late events, see UsageRollups.ts), and the types they return.
 */
import { BigDecimal, Clock, Effect, Option } from "effect"
import type { Period } from "../kernel/Period.js"
import { isUsagePrice } from "../catalog/domain/index.js"
import type { Subscription } from "../subscriptions/domain/index.js"
import {
  applyLevel,
  Billed,
  emptyLevel,
  emptyPeriodRollup,
  levelKey,
  plain,
  quantityOf,
  rollupKey,
  zero
} from "./domain/UsageRollup.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { encoder } from "../kernel/Encoder.js"
import { differsFromBilled, type Lookup, type RollupStore } from "./RollupStore.js"
import { chargeOrFail, type UsagePrice } from "./UsagePricing.js"

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

const encodeBilled = encoder(Billed)

const dateOf = (ms: number) => isoAt(ms).slice(0, 10)
const describePeriod = (p: Period) => `${dateOf(p.start)} – ${dateOf(p.end)}`

export const makeRollupBilling = (
  { liveSubscriptions, lockLevels, lockPeriods, makeLookup, periodAt, quantity, readLevel, readPending, readPeriod, updatePending, write }: RollupStore
) => {
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

  return { estimate, chargesFor, markBilled } as const
}
