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
import { PaymentRecords, RefundRecords } from "../payments/domain/index.js"
import { bucketsOf, bucketStart, type Bucket, type SeriesInterval } from "./domain/Buckets.js"
import { mrrOfArr } from "./domain/Mrr.js"
import { MrrEntryRecords } from "./domain/Records.js"
import { type BucketFigures, type LedgerEntry, type MovementTotal, walkLedger } from "./domain/Walk.js"
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

export class Analytics extends Effect.Service<Analytics>()("@billkit/core/Analytics", {
  effect: Effect.gen(function*() {
    const recorder = yield* makeMrrRecorder
    const entries = yield* makeRepository(MrrEntryRecords)
    const payments = yield* makeRepository(PaymentRecords)
    const refunds = yield* makeRepository(RefundRecords)

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

    /** Every ledger entry up to `to` (inclusive), a page at a time. */
    const ledgerUpTo = (to: number, currency: string | undefined) =>
      Effect.gen(function*() {
        const out: Array<LedgerEntry> = []
        let cursor: string | undefined
        for (;;) {
          const page = yield* entries.list(
            { limit: pageSize, ...(cursor === undefined ? {} : { startingAfter: cursor }) },
            { range: { field: "at", to: isoAt(to) }, ...(currency === undefined ? {} : { where: { currency } }) }
          )
          for (const e of page.data) {
            out.push({ id: e.id, subscription: e.subscription, customer: e.customer, currency: e.currency, at: msOf(e.at), type: e.type, arrDelta: e.arrDelta })
          }
          if (!page.hasMore || page.nextCursor === null) return out
          cursor = page.nextCursor
        }
      })

    const figuresOf = (q: SeriesQuery) =>
      Effect.gen(function*() {
        const w = yield* windowOf(q)
        const ledger = yield* ledgerUpTo(w.to, q.currency)
        return { w, figures: walkLedger(ledger, w.buckets, w.to) }
      })

    const header = <O extends string>(object: O, w: Window) => ({ object, interval: w.interval, from: isoAt(w.from), to: isoAt(w.to) })
    const span = (f: BucketFigures) => ({ start: isoAt(f.bucket.start), end: isoAt(f.bucket.end) })
    const series = <P>(figures: Map<string, Array<BucketFigures>>, point: (f: BucketFigures) => P) =>
      [...figures].map(([currency, fs]) => ({ currency, points: fs.map(point) }))

    const mrrPoint = (f: BucketFigures) => ({ ...span(f), mrr: mrrOfArr(f.arrEnd), arr: Number(f.arrEnd) })

    const mrr = traced("Analytics.mrr")(function*(q: SeriesQuery) {
      const { figures, w } = yield* figuresOf(q)
      return { ...header("mrr_series" as const, w), data: series(figures, mrrPoint) }
    })

    const arr = traced("Analytics.arr")(function*(q: SeriesQuery) {
      const { figures, w } = yield* figuresOf(q)
      return { ...header("arr_series" as const, w), data: series(figures, mrrPoint) }
    })

    const movement = (m: MovementTotal) => ({
      mrr: mrrOfArr(m.arr),
      arr: Number(m.arr),
      subscriptions: m.subscriptions.map((s) => ({ ...s, mrr: mrrOfArr(BigInt(s.arr)) }))
    })

    const movements = traced("Analytics.movements")(function*(q: SeriesQuery) {
      const { figures, w } = yield* figuresOf(q)
      return {
        ...header("mrr_movements" as const, w),
        data: series(figures, (f) => ({
          ...span(f),
          mrr_start: mrrOfArr(f.arrStart),
          mrr_end: mrrOfArr(f.arrEnd),
          arr_start: Number(f.arrStart),
          arr_end: Number(f.arrEnd),
          new: movement(f.movements.new),
          expansion: movement(f.movements.expansion),
          contraction: movement(f.movements.contraction),
          churn: movement(f.movements.churn),
          reactivation: movement(f.movements.reactivation),
          net: { mrr: mrrOfArr(f.arrEnd - f.arrStart), arr: Number(f.arrEnd - f.arrStart) }
        }))
      }
    })

    const churn = traced("Analytics.churn")(function*(q: SeriesQuery) {
      const { figures, w } = yield* figuresOf(q)
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
      const { figures, w } = yield* figuresOf(q)
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

    /** Every record a paged `list` answers, a page at a time. */
    const allPages = <A extends { readonly id: string }, R>(
      list: (cursor: string | undefined) => Effect.Effect<{ readonly data: ReadonlyArray<A>; readonly hasMore: boolean; readonly nextCursor: string | null }, never, R>
    ) =>
      Effect.gen(function*() {
        const out: Array<A> = []
        let cursor: string | undefined
        for (;;) {
          const page = yield* list(cursor)
          out.push(...page.data)
          if (!page.hasMore || page.nextCursor === null) return out
          cursor = page.nextCursor
        }
      })

    const revenue = traced("Analytics.revenue")(function*(q: SeriesQuery) {
      const w = yield* windowOf(q)
      const filters = { where: { status: "succeeded" }, range: { field: "created_at", from: isoAt(w.buckets[0]?.start ?? w.from), to: isoAt(w.to) } }
      const page = (cursor: string | undefined) => ({ limit: pageSize, ...(cursor === undefined ? {} : { startingAfter: cursor }) })
      const paid = yield* allPages((c) => payments.list(page(c), filters))
      const refunded = yield* allPages((c) => refunds.list(page(c), filters))
      const sums = new Map<string, Array<{ payments: number; refunds: number }>>()
      const slot = (currency: string, at: number) => {
        if (q.currency !== undefined && currency !== q.currency) return undefined
        let row = sums.get(currency)
        if (row === undefined) sums.set(currency, row = w.buckets.map(() => ({ payments: 0, refunds: 0 })))
        const i = w.buckets.findIndex((b) => at >= b.start && at < b.end)
        return i < 0 ? undefined : row[i]
      }
      for (const p of paid) {
        const s = slot(p.currency, msOf(p.createdAt))
        if (s !== undefined) s.payments += p.amount
      }
      for (const r of refunded) {
        const s = slot(r.currency, msOf(r.createdAt))
        if (s !== undefined) s.refunds += r.amount
      }
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
      return yield* recorder.backfill
    })

    return { mrr, arr, movements, churn, customers, revenue, backfill } as const
  })
}) {}

