/**
 * The MRR ledger's writer: told of every subscription write (the subscriptions feature's
 * `SubscriptionWrites` port, in the writer's transaction), it appends an entry whenever the
 * subscription's annual run rate changed, and keeps the subscription's last recorded value. The
 * backfill builds the ledger for subscriptions written before the ledger existed.
 */
import { Effect, Layer, Option } from "effect"
import { PlanRecords, PriceRecords } from "../catalog/domain/index.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { makeRepository } from "../kernel/Repository.js"
import type { CurrentTenant } from "../kernel/Tenancy.js"
import { msOf } from "../kernel/Time.js"
import { SubscriptionRecords, type Subscription } from "../subscriptions/domain/index.js"
import { SubscriptionWrites } from "../subscriptions/index.js"
import { annualRunRate, movementOf, type MovementType } from "./domain/Mrr.js"
import type { MrrEntry, MrrState } from "./domain/MrrEntry.js"
import { MrrEntryRecords, MrrStateRecords } from "./domain/Records.js"

export const makeMrrRecorder = Effect.gen(function*() {
  const ids = yield* IdGenerator
  const entries = yield* makeRepository(MrrEntryRecords)
  const states = yield* makeRepository(MrrStateRecords)
  const prices = yield* makeRepository(PriceRecords)
  const plans = yield* makeRepository(PlanRecords)

  /** The ARR `sub` would have if it were paying: its licensed price × units × periods a year. */
  const payingArrOf = (sub: Subscription) =>
    Effect.gen(function*() {
      const price = yield* prices.get(sub.price).pipe(Effect.orDie)
      const plan = yield* plans.get(sub.plan).pipe(Effect.orDie)
      return annualRunRate({ status: "active", amount: price.amount, interval: sub.interval, quantity: plan.perSeat ? sub.seats : 1 })
    })

  const arrOf = (sub: Subscription) =>
    sub.status === "active" || sub.status === "past_due" ? payingArrOf(sub) : Effect.succeed(0)

  const entryOf = (id: string, sub: Subscription, currency: string, type: MovementType, before: number, after: number, at: string, backfilled: boolean): MrrEntry => ({
    id,
    object: "mrr_entry",
    subscription: sub.id,
    customer: sub.customer,
    currency,
    at,
    type,
    arrDelta: after - before,
    arr: after,
    status: sub.status,
    price: sub.price,
    seats: sub.seats,
    backfilled
  })

  const append = (sub: Subscription, currency: string, type: MovementType, before: number, after: number, at: string, backfilled: boolean) =>
    Effect.gen(function*() {
      const entry = entryOf(yield* ids.next("mrrEntry"), sub, currency, type, before, after, at, backfilled)
      yield* entries.insert(entry).pipe(Effect.orDie)
      return entry
    })

  const saveState = (previous: MrrState | undefined, next: MrrState) =>
    previous === undefined
      ? Effect.asVoid(Effect.orDie(states.insert(next)))
      : previous.arr === next.arr && previous.paid === next.paid && previous.currency === next.currency && previous.lastEntry === next.lastEntry
      ? Effect.void
      : Effect.asVoid(Effect.orDie(states.update(next)))

  /** Moves the ledger of `sub` to `after` (ARR) at `at`, appending (or folding into) an entry. */
  const moveTo = (sub: Subscription, previous: MrrState | undefined, after: number, at: string, backfilled: boolean) =>
    Effect.gen(function*() {
      const base = { id: sub.id, object: "mrr_state" as const, customer: sub.customer, currency: sub.currency }
      if (previous !== undefined && previous.lastEntry !== null && previous.lastAt === at && previous.currency === sub.currency) {
        // Another write at the instant of the latest entry: the entry becomes the net change.
        const last = yield* entries.get(previous.lastEntry).pipe(Effect.orDie)
        const type = movementOf(previous.arrBefore, after, previous.paidBefore) ?? last.type
        yield* entries.update(entryOf(last.id, sub, sub.currency, type, previous.arrBefore, after, at, backfilled)).pipe(Effect.orDie)
        const next: MrrState = { ...previous, ...base, arr: after, paid: previous.paidBefore || after > 0 }
        yield* saveState(previous, next)
        return next
      }
      let before = previous?.arr ?? 0
      const paid = previous?.paid ?? false
      if (previous !== undefined && previous.currency !== sub.currency && before !== 0) {
        // A move to another currency: the old currency's MRR churns, the new one starts.
        yield* append(sub, previous.currency, "churn", before, 0, at, backfilled)
        before = 0
      }
      const type = movementOf(before, after, paid)
      const entry = type === null ? null : yield* append(sub, sub.currency, type, before, after, at, backfilled)
      const next: MrrState = {
        ...base,
        arr: after,
        paid: paid || after > 0,
        lastEntry: entry === null ? previous?.lastEntry ?? null : entry.id,
        lastAt: entry === null ? previous?.lastAt ?? null : at,
        arrBefore: entry === null ? previous?.arrBefore ?? 0 : before,
        paidBefore: entry === null ? previous?.paidBefore ?? false : paid
      }
      yield* saveState(previous, next)
      return next
    })

  /** The port: `sub` was just written; record what changed of its recurring value. */
  const written = (sub: Subscription): Effect.Effect<void, never, CurrentTenant> =>
    Effect.gen(function*() {
      const previous = Option.getOrUndefined(yield* states.find(sub.id))
      const after = yield* arrOf(sub)
      yield* moveTo(sub, previous, after, sub.updatedAt, false)
    })

  /**
   * Builds the ledger of one subscription that has none, from what the record says of its past:
   * it started paying at its trial's end (or its creation) at today's price and seats, and
   * stopped when it ended, paused or went unpaid. Earlier upgrades and downgrades left no trace
   * in the record, so the backfilled history is the best reconstruction, marked `backfilled`.
   * Returns how many entries it wrote, or null when the subscription already had a ledger.
   */
  const backfillOne = (sub: Subscription) =>
    Effect.gen(function*() {
      if (Option.isSome(yield* states.find(sub.id))) return null
      const paidFrom = sub.trialEnd !== null && msOf(sub.trialEnd) > msOf(sub.createdAt) ? sub.trialEnd : sub.createdAt
      const stoppedAt = sub.status === "canceled"
        ? sub.endedAt ?? sub.updatedAt
        : sub.status === "paused"
        ? sub.pausedAt ?? sub.updatedAt
        : sub.status === "unpaid"
        ? sub.updatedAt
        : null
      const everPaid = sub.status === "active" || sub.status === "past_due" ||
        (stoppedAt !== null && sub.latestInvoice !== null && msOf(stoppedAt) > msOf(paidFrom))
      if (!everPaid) {
        yield* moveTo(sub, undefined, 0, sub.updatedAt, true)
        return 0
      }
      const arr = yield* payingArrOf(sub)
      const started = yield* moveTo(sub, undefined, arr, paidFrom, true)
      if (stoppedAt === null) return arr === 0 ? 0 : 1
      yield* moveTo(sub, started, 0, stoppedAt, true)
      return arr === 0 ? 0 : 2
    })

  const subscriptions = yield* makeRepository(SubscriptionRecords)

  /**
   * The ledger of every subscription of the current tenant that has none yet, a page of 100 per
   * transaction. Safe to run again: a subscription with a ledger is skipped.
   */
  const backfill = Effect.gen(function*() {
    let cursor: string | undefined
    let scanned = 0
    let built = 0
    let written = 0
    for (;;) {
      const page = yield* subscriptions.list({ limit: 100, ...(cursor === undefined ? {} : { startingAfter: cursor }) })
      const counts = yield* entries.transaction(Effect.forEach(page.data, backfillOne))
      scanned += page.data.length
      for (const n of counts) {
        if (n === null) continue
        built++
        written += n
      }
      if (!page.hasMore || page.nextCursor === null) break
      cursor = page.nextCursor
    }
    return { object: "mrr_backfill" as const, subscriptions: scanned, backfilled: built, entries: written }
  })

  return { written, backfill }
})

export type MrrRecorder = Effect.Effect.Success<typeof makeMrrRecorder>

/** The ledger as the subscriptions feature's `SubscriptionWrites` port (wired in Layers.ts). */
export const layerMrrLedger = Layer.effect(SubscriptionWrites, Effect.map(makeMrrRecorder, ({ written }) => ({ written })))
