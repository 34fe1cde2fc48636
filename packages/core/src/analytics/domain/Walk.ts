/**
 * Reading the ledger: one pass over its entries in time order, per currency, that yields for each
 * interval the ARR at its start and end, the movements inside it (with the subscriptions behind
 * each), and the customers who started, came back or left. Every endpoint is a view of this.
 * Sums are bigints of ARR (exact); MRR is derived from them once per figure (`mrrOfArr`).
 */
import type { Bucket } from "./Buckets.js"
import type { MovementType } from "./Mrr.js"

/** What the walk needs of an entry. */
export interface LedgerEntry {
  readonly id: string
  readonly subscription: string
  readonly customer: string
  readonly currency: string
  /** Epoch ms. */
  readonly at: number
  readonly type: MovementType
  readonly arrDelta: number
}

export interface MovementTotal {
  arr: bigint
  readonly subscriptions: Array<{ readonly subscription: string; readonly customer: string; readonly arr: number }>
}

export interface BucketFigures {
  readonly bucket: Bucket
  arrStart: bigint
  arrEnd: bigint
  readonly movements: Record<MovementType, MovementTotal>
  customersStart: number
  customersEnd: number
  customersNew: number
  customersReactivated: number
  customersChurned: number
}

const emptyMovements = (): Record<MovementType, MovementTotal> => ({
  new: { arr: 0n, subscriptions: [] },
  expansion: { arr: 0n, subscriptions: [] },
  contraction: { arr: 0n, subscriptions: [] },
  churn: { arr: 0n, subscriptions: [] },
  reactivation: { arr: 0n, subscriptions: [] }
})

/** Entries in the order they took effect (ids break ties: they sort by creation). */
export const byTime = (a: LedgerEntry, b: LedgerEntry) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

/**
 * The figures of every bucket, per currency, from the entries up to `to` (inclusive). Buckets are
 * consecutive; entries before the first only set the starting point.
 */
export const walkLedger = (
  entries: ReadonlyArray<LedgerEntry>,
  buckets: ReadonlyArray<Bucket>,
  to: number
): Map<string, Array<BucketFigures>> => {
  // Entries whose writes cancelled out at one instant (delta 0) are no movement.
  const sorted = entries.filter((e) => e.at <= to && e.arrDelta !== 0).sort(byTime)
  const currencies = [...new Set(sorted.map((e) => e.currency))].sort()
  const out = new Map<string, Array<BucketFigures>>()
  for (const currency of currencies) {
    let arr = 0n
    const customerArr = new Map<string, number>()
    const everPaid = new Set<string>()
    let paying = 0
    const figures: Array<BucketFigures> = []
    let i = 0
    const apply = (e: LedgerEntry, into: BucketFigures | null) => {
      arr += BigInt(e.arrDelta)
      const before = customerArr.get(e.customer) ?? 0
      const after = before + e.arrDelta
      customerArr.set(e.customer, after)
      if (before === 0 && after > 0) {
        paying++
        if (into !== null) everPaid.has(e.customer) ? into.customersReactivated++ : into.customersNew++
        everPaid.add(e.customer)
      } else if (before > 0 && after === 0) {
        paying--
        if (into !== null) into.customersChurned++
      }
      if (into !== null) {
        const m = into.movements[e.type]
        m.arr += BigInt(e.arrDelta)
        m.subscriptions.push({ subscription: e.subscription, customer: e.customer, arr: e.arrDelta })
      }
    }
    const mine = sorted.filter((e) => e.currency === currency)
    const first = buckets.length === 0 ? to + 1 : buckets[0].start
    while (i < mine.length && mine[i].at < first) apply(mine[i++], null)
    for (const bucket of buckets) {
      const f: BucketFigures = {
        bucket,
        arrStart: arr,
        arrEnd: 0n,
        movements: emptyMovements(),
        customersStart: paying,
        customersEnd: 0,
        customersNew: 0,
        customersReactivated: 0,
        customersChurned: 0
      }
      while (i < mine.length && mine[i].at < bucket.end) apply(mine[i++], f)
      f.arrEnd = arr
      f.customersEnd = paying
      figures.push(f)
    }
    out.set(currency, figures)
  }
  return out
}
