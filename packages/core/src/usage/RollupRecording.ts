/**
 * Recording an ingested batch into its rollups (`UsageRollups.record`), over the service's
 * RollupStore.
 *
 * Recording a batch, in the caller's transaction: an event its metric's filters drop enters no
 * rollup; a unique_count value counts when its distinct record is new; then the weighted_sum
 * levels the batch touches are locked, then its period rollups, each kind in key order (the order
 * `markBilled` locks in too); each is read once (locked on Postgres) and written once, and billed
 * rollups it changes go on the pending list (late events, see UsageRollups.ts).
 */
import { BigDecimal, Effect } from "effect"
import type { Metric } from "../catalog/domain/index.js"
import type { Subscription } from "../subscriptions/domain/index.js"
import {
  applyDelta,
  applyLevel,
  chargeable,
  emptyLevel,
  emptyPeriodRollup,
  fromScaled,
  groupEvents,
  LevelRollup,
  levelKey,
  PeriodRollup,
  quantityOf,
  type RecordedEvent,
  rollupKey
} from "./domain/UsageRollup.js"
import type { StoredRecord } from "../kernel/Storage.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { differsFromBilled, type Lookup, type RollupStore } from "./RollupStore.js"
import { chargeOrFail } from "./UsagePricing.js"

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

export const makeRollupRecording = ({ liveSubscriptions, lockLevels, lockPeriods, readPeriod, updatePending, write }: RollupStore) =>
  Effect.gen(function*() {
    const storage = yield* Storage

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

      // Billed rollups this batch changed: the next invoice adjusts them (late events, UsageRollups.ts).
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

    return { record } as const
  })
