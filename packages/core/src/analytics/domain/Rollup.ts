/**
 * The ledger summed per currency and UTC day. Every ledger entry adds its contribution to its
 * day's row (and a folded entry takes its old one back first), so a series over any window reads
 * the rows of the days before `to`'s day plus the few raw entries of that last day, never the whole
 * ledger. Customer counts come from each entry's customer move, decided when it was written
 * against its customer's ARR then; the number paying at any instant is the running sum of moves.
 */
import type { Bucket } from "./Buckets.js"
import { type CustomerMove, customerMoveOf, MovementType } from "./Mrr.js"
import type { MrrCustomer, MrrDay } from "./MrrEntry.js"

const DAY = 86_400_000

export const dayStart = (ms: number): number => Math.floor(ms / DAY) * DAY

/** What an entry adds to its day: nothing when its writes cancelled out (delta 0 is no movement). */
export interface Contribution {
  readonly currency: string
  /** Epoch ms. */
  readonly at: number
  readonly type: MovementType
  readonly arrDelta: number
  readonly customerMove: CustomerMove | null
}

export const emptyDay = (id: string, currency: string, day: string): MrrDay => ({
  id,
  object: "mrr_day",
  currency,
  day,
  movements: {
    new: { arr: 0, count: 0 },
    expansion: { arr: 0, count: 0 },
    contraction: { arr: 0, count: 0 },
    churn: { arr: 0, count: 0 },
    reactivation: { arr: 0, count: 0 }
  },
  customersNew: 0,
  customersReactivated: 0,
  customersChurned: 0
})

/** `day` with `c` added (`sign` 1) or taken back (`sign` −1). */
export const addToDay = (day: MrrDay, c: Contribution, sign: 1 | -1): MrrDay => {
  if (c.arrDelta === 0) return day
  const m = day.movements[c.type]
  return {
    ...day,
    movements: { ...day.movements, [c.type]: { arr: m.arr + sign * c.arrDelta, count: m.count + sign } },
    customersNew: day.customersNew + (c.customerMove === "new" ? sign : 0),
    customersReactivated: day.customersReactivated + (c.customerMove === "reactivated" ? sign : 0),
    customersChurned: day.customersChurned + (c.customerMove === "churned" ? sign : 0)
  }
}

/** The customer after an entry of `arrDelta`, and the entry's customer move. */
export const applyToCustomer = (c: MrrCustomer, arrDelta: number): { readonly customer: MrrCustomer; readonly move: CustomerMove | null } => {
  const after = c.arr + arrDelta
  const move = arrDelta === 0 ? null : customerMoveOf(c.arr, after, c.everPaid)
  return { customer: { ...c, arr: after, everPaid: c.everPaid || after > 0 }, move }
}

/**
 * The customer before an entry of `arrDelta` whose move was `move` (the entry is being folded).
 * Exact when the entry is its customer's latest; when another subscription of the customer moved
 * at the same instant in between (one transaction writing two subscriptions of one customer, then
 * the first again), the customer move may land on the other entry of that instant or be lost —
 * the backfill's rebuild (`rebuild`) decides every move anew in time order.
 */
export const takeBackFromCustomer = (c: MrrCustomer, arrDelta: number, move: CustomerMove | null): MrrCustomer => ({
  ...c,
  arr: c.arr - arrDelta,
  // A `new` move was the customer's first payment: before it the customer had never paid.
  everPaid: move === "new" ? false : c.everPaid
})

export interface Tally {
  arr: bigint
  count: number
}

export interface SummedFigures {
  readonly bucket: Bucket
  arrStart: bigint
  arrEnd: bigint
  readonly movements: Record<MovementType, Tally>
  customersStart: number
  customersEnd: number
  customersNew: number
  customersReactivated: number
  customersChurned: number
}

/** A summed piece of the ledger at one instant: a day's row (at its start) or one raw entry. */
interface Piece {
  readonly currency: string
  readonly at: number
  readonly movements: Readonly<Record<MovementType, { readonly arr: number; readonly count: number }>>
  readonly customersNew: number
  readonly customersReactivated: number
  readonly customersChurned: number
}

const pieceOfEntry = (c: Contribution): Piece => {
  const day = addToDay(emptyDay("", c.currency, ""), c, 1)
  return { ...day, at: c.at }
}

const isEmpty = (p: Piece) => MovementType.every((t) => p.movements[t].count === 0 && p.movements[t].arr === 0)

/**
 * The figures of every bucket, per currency (sorted), from the day rows of days before `to`'s day
 * and the raw entries of `to`'s day up to `to`. Buckets are consecutive and day-aligned; pieces
 * before the first only set the starting point.
 */
export const figuresOfDays = (
  days: ReadonlyArray<MrrDay>,
  lastDay: ReadonlyArray<Contribution>,
  buckets: ReadonlyArray<Bucket>,
  to: number
): Map<string, Array<SummedFigures>> => {
  const pieces: Array<Piece> = [
    ...days.map((d) => ({ ...d, at: Date.parse(d.day) })),
    ...lastDay.filter((c) => c.at <= to && c.arrDelta !== 0).map(pieceOfEntry)
  ].filter((p) => !isEmpty(p))
  pieces.sort((a, b) => a.at - b.at)
  const currencies = [...new Set(pieces.map((p) => p.currency))].sort()
  const out = new Map<string, Array<SummedFigures>>()
  for (const currency of currencies) {
    const mine = pieces.filter((p) => p.currency === currency)
    let arr = 0n
    let paying = 0
    let i = 0
    const apply = (p: Piece, into: SummedFigures | null) => {
      for (const t of MovementType) {
        const m = p.movements[t]
        arr += BigInt(m.arr)
        if (into !== null) {
          into.movements[t].arr += BigInt(m.arr)
          into.movements[t].count += m.count
        }
      }
      paying += p.customersNew + p.customersReactivated - p.customersChurned
      if (into !== null) {
        into.customersNew += p.customersNew
        into.customersReactivated += p.customersReactivated
        into.customersChurned += p.customersChurned
      }
    }
    const first = buckets.length === 0 ? to + 1 : buckets[0].start
    while (i < mine.length && mine[i].at < first) apply(mine[i++], null)
    const figures: Array<SummedFigures> = []
    for (const bucket of buckets) {
      const f: SummedFigures = {
        bucket,
        arrStart: arr,
        arrEnd: 0n,
        movements: {
          new: { arr: 0n, count: 0 },
          expansion: { arr: 0n, count: 0 },
          contraction: { arr: 0n, count: 0 },
          churn: { arr: 0n, count: 0 },
          reactivation: { arr: 0n, count: 0 }
        },
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

/** An entry as the rebuild needs it. */
export interface RebuildEntry extends Contribution {
  readonly id: string
  readonly customer: string
}

/**
 * Rollups rebuilt from a whole ledger (the backfill): walks the entries in the order they took
 * effect (ids break ties) and answers every entry's customer move, the day rows and the customers.
 */
export const rebuild = (
  entries: ReadonlyArray<RebuildEntry>,
  dayId: (currency: string, day: string) => string,
  customerId: (customer: string, currency: string) => string
) => {
  const sorted = [...entries].sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const moves = new Map<string, CustomerMove | null>()
  const days = new Map<string, MrrDay>()
  const customers = new Map<string, MrrCustomer>()
  for (const e of sorted) {
    const cid = customerId(e.customer, e.currency)
    const before = customers.get(cid) ?? { id: cid, object: "mrr_customer" as const, customer: e.customer, currency: e.currency, arr: 0, everPaid: false }
    const { customer, move } = applyToCustomer(before, e.arrDelta)
    customers.set(cid, customer)
    moves.set(e.id, move)
    if (e.arrDelta === 0) continue
    const day = new Date(dayStart(e.at)).toISOString()
    const did = dayId(e.currency, day)
    days.set(did, addToDay(days.get(did) ?? emptyDay(did, e.currency, day), { ...e, customerMove: move }, 1))
  }
  return { moves, days, customers }
}
