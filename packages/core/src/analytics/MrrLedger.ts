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
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { SubscriptionRecords, type Subscription } from "../subscriptions/domain/index.js"
import { SubscriptionWrites } from "../subscriptions/index.js"
import { annualRunRate, movementOf, type MovementType } from "./domain/Mrr.js"
import type { MrrCustomer, MrrEntry, MrrState } from "./domain/MrrEntry.js"
import { MrrCustomerRecords, MrrDayRecords, MrrEntryRecords, MrrStateRecords } from "./domain/Records.js"
import { everyPage, lockOrCreate, pageAfter } from "./Rows.js"
import { addToDay, applyToCustomer, dayStart, emptyDay, rebuild, takeBackFromCustomer } from "./domain/Rollup.js"

/** A day row's id: tenant, currency and day, so one keyed read finds it (ids are unique across tenants). */
const dayIdOf = (tenant: { readonly projectId: string; readonly mode: string }, currency: string, day: string) =>
  `md_${tenant.projectId}_${tenant.mode}_${currency}_${day.slice(0, 10)}`

/** Customer ids are unique across tenants already. */
const customerIdOf = (customer: string, currency: string) => `mc_${customer}_${currency}`

const noCustomer = (customer: string, currency: string): MrrCustomer => ({
  id: customerIdOf(customer, currency),
  object: "mrr_customer",
  customer,
  currency,
  arr: 0,
  everPaid: false
})

export const makeMrrRecorder = Effect.gen(function*() {
  const ids = yield* IdGenerator
  const entries = yield* makeRepository(MrrEntryRecords)
  const states = yield* makeRepository(MrrStateRecords)
  const prices = yield* makeRepository(PriceRecords)
  const plans = yield* makeRepository(PlanRecords)
  const days = yield* makeRepository(MrrDayRecords)
  const customers = yield* makeRepository(MrrCustomerRecords)

  /** Adds an entry to its day's row (`sign` 1), or takes it back (−1) before the entry is folded. */
  const addToItsDay = (entry: MrrEntry, sign: 1 | -1) =>
    Effect.gen(function*() {
      if (entry.arrDelta === 0) return
      const tenant = yield* CurrentTenant
      const day = isoAt(dayStart(msOf(entry.at)))
      const row = yield* lockOrCreate(days, emptyDay(dayIdOf(tenant, entry.currency, day), entry.currency, day))
      const contribution = { currency: entry.currency, at: msOf(entry.at), type: entry.type, arrDelta: entry.arrDelta, customerMove: entry.customerMove ?? null }
      yield* days.update(addToDay(row, contribution, sign)).pipe(Effect.orDie)
    })

  const saveCustomer = (before: MrrCustomer, after: MrrCustomer) =>
    before.arr === after.arr && before.everPaid === after.everPaid ? Effect.void : Effect.asVoid(Effect.orDie(customers.update(after)))

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
      // The customer is locked before the day, always in that order, by every writer.
      const customer = yield* lockOrCreate(customers, noCustomer(sub.customer, currency))
      const moved = applyToCustomer(customer, after - before)
      const entry: MrrEntry = { ...entryOf(yield* ids.next("mrrEntry"), sub, currency, type, before, after, at, backfilled), customerMove: moved.move }
      yield* entries.insert(entry).pipe(Effect.orDie)
      yield* saveCustomer(customer, moved.customer)
      yield* addToItsDay(entry, 1)
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
        // The folded entry's old contribution is taken back from its customer and day, the new one added.
        const customer = yield* lockOrCreate(customers, noCustomer(sub.customer, sub.currency))
        const moved = applyToCustomer(takeBackFromCustomer(customer, last.arrDelta, last.customerMove ?? null), after - previous.arrBefore)
        yield* addToItsDay(last, -1)
        const folded: MrrEntry = { ...entryOf(last.id, sub, sub.currency, type, previous.arrBefore, after, at, backfilled), customerMove: moved.move }
        yield* entries.update(folded).pipe(Effect.orDie)
        yield* saveCustomer(customer, moved.customer)
        yield* addToItsDay(folded, 1)
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
   * Rebuilds the rollups (day rows, customers, each entry's customer move) from the whole ledger,
   * in one transaction, when `force` or when some entry predates the rollups. Backfilled entries
   * land in the past, between entries already there, so their customer moves are decided anew in
   * time order. Returns whether it rebuilt.
   */
  const rebuildRollups = (force: boolean) =>
    entries.transaction(Effect.gen(function*() {
      const tenant = yield* CurrentTenant
      const ledger = yield* everyPage((c) => entries.list(pageAfter(c)))
      if (!force && ledger.every((e) => e.customerMove !== undefined)) return false
      const built = rebuild(
        ledger.map((e) => ({ id: e.id, customer: e.customer, currency: e.currency, at: msOf(e.at), type: e.type, arrDelta: e.arrDelta, customerMove: null })),
        (currency, day) => dayIdOf(tenant, currency, day),
        customerIdOf
      )
      for (const e of ledger) {
        const move = built.moves.get(e.id) ?? null
        if (e.customerMove !== move) yield* entries.update({ ...e, customerMove: move }).pipe(Effect.orDie)
      }
      const oldDays = yield* everyPage((c) => days.list(pageAfter(c)))
      for (const d of oldDays) {
        if (!built.days.has(d.id)) yield* days.update(emptyDay(d.id, d.currency, d.day)).pipe(Effect.orDie)
      }
      const dayIds = new Set(oldDays.map((d) => d.id))
      for (const d of built.days.values()) yield* (dayIds.has(d.id) ? days.update(d) : days.insert(d)).pipe(Effect.orDie)
      const oldCustomers = yield* everyPage((c) => customers.list(pageAfter(c)))
      for (const c of oldCustomers) {
        if (!built.customers.has(c.id)) yield* customers.update(noCustomer(c.customer, c.currency)).pipe(Effect.orDie)
      }
      const customerIds = new Set(oldCustomers.map((c) => c.id))
      for (const c of built.customers.values()) yield* (customerIds.has(c.id) ? customers.update(c) : customers.insert(c)).pipe(Effect.orDie)
      return true
    }))

  /**
   * The ledger of every subscription of the current tenant that has none yet, a page of 100 per
   * transaction, then the rollups rebuilt if it wrote any or the ledger predates them. Safe to run
   * again: a subscription with a ledger is skipped.
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
    yield* rebuildRollups(written > 0)
    return { object: "mrr_backfill" as const, subscriptions: scanned, backfilled: built, entries: written }
  })

  return { written, backfill }
})

export type MrrRecorder = Effect.Effect.Success<typeof makeMrrRecorder>

/** The ledger as the subscriptions feature's `SubscriptionWrites` port (wired in Layers.ts). */
export const layerMrrLedger = Layer.effect(SubscriptionWrites, Effect.map(makeMrrRecorder, ({ written }) => ({ written })))
