/**
 * The analytics read side: MRR and ARR series, MRR movements, churn, customer growth and
 * revenue, each per currency (never converted), read from the MRR ledger (and, for revenue, from
 * payments and refunds). See docs/analytics.md for the definitions.
 */
import { Clock, Effect } from "effect"
import { Invalid } from "../kernel/Errors.js"
import { makeRepository } from "../kernel/Repository.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { bucketsOf, bucketStart, type Bucket, type SeriesInterval } from "./domain/Buckets.js"
import { mrrOfArr } from "./domain/Mrr.js"
import { MrrEntryRecords, RevenueDayRecords } from "./domain/Records.js"
import { makeRevenueRecorder } from "./RevenueLedger.js"
import { everyPage, pageAfter } from "./Rows.js"
import * as Collections from "../kernel/Collections.js"
import { type CollectionSpec, type Json, type ListQuery, Storage } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { type Contribution, dayStart, figuresOfDays, type SummedFigures } from "./domain/Rollup.js"
import { MovementType } from "./domain/Mrr.js"
import type { MrrDay } from "./domain/MrrEntry.js"
import { makeMrrRecorder } from "./MrrLedger.js"

export interface SeriesQuery {
  readonly from?: number | undefined
  readonly to?: number | undefined
  readonly interval?: SeriesInterval | undefined
  readonly currency?: string | undefined
}

interface Window {
  readonly from: number
  readonly to: number
  readonly interval: SeriesInterval
  readonly buckets: ReadonlyArray<Bucket>
}

/** `from` when not given: 30 days, 12 weeks or 12 months of intervals ending with `to`'s. */
const defaultFrom = (to: number, interval: SeriesInterval): number => {
  const start = bucketStart(to, interval)
  if (interval === "day") return start - 29 * 86_400_000
  if (interval === "week") return start - 11 * 7 * 86_400_000
  const d = new Date(start)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 11, 1)
}

/** `part / whole` as a percentage with two decimals, half away from zero; null when `whole` is 0. */
const percent = (part: bigint, whole: bigint): string | null => {
  if (whole === 0n) return null
  // Hundredths of a percent: part × 10000 / whole, rounded half away from zero, exactly.
  const n = part * 10000n
  const q = n / whole
  const r = n % whole
  const basis = 2n * (r < 0n ? -r : r) >= (whole < 0n ? -whole : whole) ? q + (n < 0n !== whole < 0n ? -1n : 1n) : q
  const sign = basis < 0n ? "-" : ""
  const abs = basis < 0n ? -basis : basis
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`
}

const pageSize = 1000

const tallyOf = (json: unknown) => {
  const t = json as { readonly arr: number; readonly count: number }
  return { arr: Number(t.arr), count: Number(t.count) }
}

/** A stored day row (its encoded JSON, which only the ledger writer produces) as a record. */
const dayOfJson = (json: Json): MrrDay => {
  const m = json.movements as Record<string, unknown>
  return {
    id: String(json.id),
    object: "mrr_day",
    currency: String(json.currency),
    day: String(json.day),
    movements: { new: tallyOf(m.new), expansion: tallyOf(m.expansion), contraction: tallyOf(m.contraction), churn: tallyOf(m.churn), reactivation: tallyOf(m.reactivation) },
    customersNew: Number(json.customers_new),
    customersReactivated: Number(json.customers_reactivated),
    customersChurned: Number(json.customers_churned)
  }
}

/**
 * At most this many ledger entries are listed behind the movements of one answer (the first of
 * the window, from its start); every count and sum is complete regardless.
 */
export const listedEntries = 250

interface Listed {
  readonly subscription: string
  readonly customer: string
  readonly arr: number
}
type Figures = SummedFigures & { readonly listed: Record<MovementType, Array<Listed>> }

export class Analytics extends Effect.Service<Analytics>()("@billkit/core/Analytics", {
  effect: Effect.gen(function*() {
    const recorder = yield* makeMrrRecorder
    const entries = yield* makeRepository(MrrEntryRecords)

    const windowOf = (q: SeriesQuery) =>
      Effect.gen(function*() {
        const interval = q.interval ?? "month"
        const to = q.to ?? (yield* Clock.currentTimeMillis)
        const from = q.from ?? defaultFrom(to, interval)
        if (from > to) return yield* new Invalid({ field: "from", message: "must not be after `to`" })
        const buckets = bucketsOf(from, to, interval)
        if (buckets === null) return yield* new Invalid({ field: "from", message: `spans too many ${interval}s: at most 1100 intervals per answer` })
        return { from, to, interval, buckets } satisfies Window
      })

    const revenueDays = yield* makeRepository(RevenueDayRecords)
    const storage = yield* Storage
    const revenueRecorder = yield* makeRevenueRecorder

    /** Stored records as their JSON, every page (for a bounded read whose fields are read directly). */
    const storedPages = (spec: CollectionSpec, filters: Omit<ListQuery, "limit" | "startingAfter">) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const out: Array<Json> = []
        let after: string | undefined
        for (;;) {
          const page = yield* storage.list(spec, tenant, { ...filters, limit: pageSize, ...(after === undefined ? {} : { startingAfter: after }) })
          out.push(...page.data)
          if (!page.hasMore || page.data.length === 0) return out
          after = String(page.data[page.data.length - 1].id)
        }
      })

    const onlyCurrency = (currency: string | undefined) => (currency === undefined ? {} : { where: { currency } })

    /**
     * The figures of every bucket, from the day rows before `to`'s day and the raw entries of that
     * day up to `to` (one day of ledger at most): the cost follows the number of days, not the
     * size of the ledger.
     */
    const figuresOf = (q: SeriesQuery, listing: boolean) =>
      Effect.gen(function*() {
        const w = yield* windowOf(q)
        const lastDay = dayStart(w.to)
        // Day rows are Billkit's own sums, read as stored: decoding each through its Schema was most of a query's CPU.
        const rows = (yield* storedPages(Collections.MrrDays, { ...onlyCurrency(q.currency), range: { field: "day", to: isoAt(lastDay - 1) } })).map(dayOfJson)
        const tail = yield* everyPage((c) => entries.list(pageAfter(c), { ...onlyCurrency(q.currency), range: { field: "at", from: isoAt(lastDay), to: isoAt(w.to) } }))
        const contributions: Array<Contribution> = tail.map((e) => ({ currency: e.currency, at: msOf(e.at), type: e.type, arrDelta: e.arrDelta, customerMove: e.customerMove ?? null }))
        const summed = figuresOfDays(rows, contributions, w.buckets, w.to)
        const figures = new Map<string, Array<Figures>>()
        for (const [currency, fs] of summed) {
          figures.set(currency, fs.map((f) => ({ ...f, listed: { new: [], expansion: [], contraction: [], churn: [], reactivation: [] } })))
        }
        let complete = true
        if (listing && w.buckets.length > 0) {
          // The subscriptions behind the movements: one bounded page of the window's entries, over
          // the first days of the window that hold them (the day rows' counts tell which), so the
          // database reads about that many entries, not the whole window.
          const perDay = new Map<number, number>()
          for (const d of rows) {
            const at = msOf(d.day)
            if (at >= w.buckets[0].start) perDay.set(at, (perDay.get(at) ?? 0) + MovementType.reduce((n, t) => n + d.movements[t].count, 0))
          }
          let until = w.to
          let seen = 0
          for (const [day, n] of [...perDay].sort(([a], [b]) => a - b)) {
            seen += n
            if (seen > listedEntries) {
              until = Math.min(w.to, day + 86_400_000 - 1)
              break
            }
          }
          const page = yield* entries.list({ limit: listedEntries }, { ...onlyCurrency(q.currency), range: { field: "at", from: isoAt(w.buckets[0].start), to: isoAt(until) } })
          complete = !page.hasMore && until === w.to
          for (const e of page.data) {
            if (e.arrDelta === 0) continue
            const at = msOf(e.at)
            const f = figures.get(e.currency)?.find((f) => at >= f.bucket.start && at < f.bucket.end)
            f?.listed[e.type].push({ subscription: e.subscription, customer: e.customer, arr: e.arrDelta })
          }
        }
        return { w, figures, complete }
      })

    const header = <O extends string>(object: O, w: Window) => ({ object, interval: w.interval, from: isoAt(w.from), to: isoAt(w.to) })
    const span = (f: Figures) => ({ start: isoAt(f.bucket.start), end: isoAt(f.bucket.end) })
    const series = <P>(figures: Map<string, Array<Figures>>, point: (f: Figures) => P) =>
      [...figures].map(([currency, fs]) => ({ currency, points: fs.map(point) }))

    const mrrPoint = (f: Figures) => ({ ...span(f), mrr: mrrOfArr(f.arrEnd), arr: Number(f.arrEnd) })

    const mrr = traced("Analytics.mrr")(function*(q: SeriesQuery) {
      const { figures, w } = yield* figuresOf(q, false)
      return { ...header("mrr_series" as const, w), data: series(figures, mrrPoint) }
    })

    const arr = traced("Analytics.arr")(function*(q: SeriesQuery) {
      const { figures, w } = yield* figuresOf(q, false)
      return { ...header("arr_series" as const, w), data: series(figures, mrrPoint) }
    })

    const movement = (f: Figures, type: MovementType) => ({
      mrr: mrrOfArr(f.movements[type].arr),
      arr: Number(f.movements[type].arr),
      count: f.movements[type].count,
      subscriptions: f.listed[type].map((s) => ({ ...s, mrr: mrrOfArr(BigInt(s.arr)) }))
    })

    const movements = traced("Analytics.movements")(function*(q: SeriesQuery) {
      const { complete, figures, w } = yield* figuresOf(q, true)
      return {
        ...header("mrr_movements" as const, w),
        subscriptions_complete: complete,
        data: series(figures, (f) => ({
          ...span(f),
          mrr_start: mrrOfArr(f.arrStart),
          mrr_end: mrrOfArr(f.arrEnd),
          arr_start: Number(f.arrStart),
          arr_end: Number(f.arrEnd),
          new: movement(f, "new"),
          expansion: movement(f, "expansion"),
          contraction: movement(f, "contraction"),
          churn: movement(f, "churn"),
          reactivation: movement(f, "reactivation"),
          net: { mrr: mrrOfArr(f.arrEnd - f.arrStart), arr: Number(f.arrEnd - f.arrStart) }
        }))
      }
    })

    const churn = traced("Analytics.churn")(function*(q: SeriesQuery) {
      const { figures, w } = yield* figuresOf(q, false)
      return {
        ...header("churn_series" as const, w),
        data: series(figures, (f) => {
          const lost = -f.movements.churn.arr
          const contraction = -f.movements.contraction.arr
          const expansion = f.movements.expansion.arr
          const reactivation = f.movements.reactivation.arr
          return {
            ...span(f),
            customers_start: f.customersStart,
            customers_churned: f.customersChurned,
            customer_churn_rate: percent(BigInt(f.customersChurned), BigInt(f.customersStart)),
            mrr_start: mrrOfArr(f.arrStart),
            churn_mrr: mrrOfArr(lost),
            contraction_mrr: mrrOfArr(contraction),
            expansion_mrr: mrrOfArr(expansion),
            reactivation_mrr: mrrOfArr(reactivation),
            // Rates are ratios of exact ARR sums: the ÷ 12 cancels out.
            gross_revenue_churn_rate: percent(lost + contraction, f.arrStart),
            net_revenue_churn_rate: percent(lost + contraction - expansion - reactivation, f.arrStart)
          }
        })
      }
    })

    const customers = traced("Analytics.customers")(function*(q: SeriesQuery) {
      const { figures, w } = yield* figuresOf(q, false)
      return {
        ...header("customers_series" as const, w),
        data: series(figures, (f) => ({
          ...span(f),
          customers_start: f.customersStart,
          new: f.customersNew,
          reactivated: f.customersReactivated,
          churned: f.customersChurned,
          net: f.customersNew + f.customersReactivated - f.customersChurned,
          customers_end: f.customersEnd
        }))
      }
    })

    /**
     * Succeeded payments and refunds per interval: the day rows before `to`'s day, plus that day's
     * records up to `to`, read as stored JSON (a day of payments, not decoded one by one).
     */
    const revenue = traced("Analytics.revenue")(function*(q: SeriesQuery) {
      const w = yield* windowOf(q)
      const first = w.buckets[0]?.start ?? w.from
      const lastDay = dayStart(w.to)
      const sums = new Map<string, Array<{ payments: number; refunds: number }>>()
      const add = (currency: string, at: number, payments: number, refunds: number) => {
        if (q.currency !== undefined && currency !== q.currency) return
        let row = sums.get(currency)
        if (row === undefined) sums.set(currency, row = w.buckets.map(() => ({ payments: 0, refunds: 0 })))
        const i = w.buckets.findIndex((b) => at >= b.start && at < b.end)
        if (i < 0) return
        row[i].payments += payments
        row[i].refunds += refunds
      }
      const rows = yield* everyPage((c) => revenueDays.list(pageAfter(c), { ...onlyCurrency(q.currency), range: { field: "day", from: isoAt(first), to: isoAt(lastDay - 1) } }))
      for (const d of rows) if (d.payments !== 0 || d.refunds !== 0) add(d.currency, msOf(d.day), d.payments, d.refunds)
      const tail = { where: { status: "succeeded" }, range: { field: "created_at", from: isoAt(Math.max(first, lastDay)), to: isoAt(w.to) } }
      for (const p of yield* storedPages(Collections.Payments, tail)) add(String(p.currency), msOf(String(p.created_at)), Number(p.amount), 0)
      for (const r of yield* storedPages(Collections.Refunds, tail)) add(String(r.currency), msOf(String(r.created_at)), 0, Number(r.amount))
      return {
        ...header("revenue_series" as const, w),
        data: [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([currency, rows]) => ({
          currency,
          points: rows.map((r, i) => ({
            start: isoAt(w.buckets[i].start),
            end: isoAt(w.buckets[i].end),
            payments: r.payments,
            refunds: r.refunds,
            net: r.payments - r.refunds
          }))
        }))
      }
    })

    const backfill = traced("Analytics.backfill")(function*() {
      const done = yield* recorder.backfill
      yield* revenueRecorder.rebuild
      return done
    })

    return { mrr, arr, movements, churn, customers, revenue, backfill } as const
  })
}) {}

