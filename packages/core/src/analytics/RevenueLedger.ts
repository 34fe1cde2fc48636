/**
 * Revenue rollups: told of every payment and refund write (the payments feature's
 * `PaymentWrites` port, in the writer's transaction), it keeps succeeded amounts per currency and
 * UTC day of creation, so `/v1/analytics/revenue` reads a row per day, not every payment. The
 * backfill rebuilds them from the payments and refunds already stored.
 */
import { Effect, Layer } from "effect"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { PaymentRecords, RefundRecords } from "../payments/domain/index.js"
import { type MoneyRecord, PaymentWrites } from "../payments/index.js"
import type { RevenueDay } from "./domain/MrrEntry.js"
import { RevenueDayRecords } from "./domain/Records.js"
import { dayStart } from "./domain/Rollup.js"
import { everyPage, lockOrCreate, pageAfter } from "./Rows.js"

const revenueDayId = (tenant: { readonly projectId: string; readonly mode: string }, currency: string, day: string) =>
  `rd_${tenant.projectId}_${tenant.mode}_${currency}_${day.slice(0, 10)}`

const emptyRevenueDay = (id: string, currency: string, day: string): RevenueDay => ({ id, object: "revenue_day", currency, day, payments: 0, refunds: 0 })

/** What a record adds to its day's sums: its amount while succeeded, else nothing. */
const counted = (r: MoneyRecord | undefined) => (r === undefined || r.status !== "succeeded" ? 0 : r.amount)

export const makeRevenueRecorder = Effect.gen(function*() {
  const days = yield* makeRepository(RevenueDayRecords)
  const payments = yield* makeRepository(PaymentRecords)
  const refunds = yield* makeRepository(RefundRecords)

  const written = (before: MoneyRecord | undefined, after: MoneyRecord): Effect.Effect<void, never, CurrentTenant> =>
    Effect.gen(function*() {
      // A record's currency and creation time never change: only its counted amount can.
      const change = counted(after) - counted(before)
      if (change === 0) return
      const tenant = yield* CurrentTenant
      const day = isoAt(dayStart(msOf(after.createdAt)))
      const row = yield* lockOrCreate(days, emptyRevenueDay(revenueDayId(tenant, after.currency, day), after.currency, day))
      yield* days.update(after.kind === "payment" ? { ...row, payments: row.payments + change } : { ...row, refunds: row.refunds + change }).pipe(Effect.orDie)
    })

  /**
   * The rollups rebuilt from every succeeded payment and refund, in one transaction (the
   * backfill, after an upgrade from before them). Sums a page at a time; holds only the day rows.
   */
  const rebuild = days.transaction(Effect.gen(function*() {
    const tenant = yield* CurrentTenant
    const sums = new Map<string, RevenueDay>()
    const add = (kind: "payment" | "refund", currency: string, createdAt: string, amount: number) => {
      const day = isoAt(dayStart(msOf(createdAt)))
      const id = revenueDayId(tenant, currency, day)
      const row = sums.get(id) ?? emptyRevenueDay(id, currency, day)
      sums.set(id, kind === "payment" ? { ...row, payments: row.payments + amount } : { ...row, refunds: row.refunds + amount })
    }
    const succeeded = { where: { status: "succeeded" } }
    let cursor: string | undefined
    for (;;) {
      const page = yield* payments.list(pageAfter(cursor), succeeded)
      for (const p of page.data) add("payment", p.currency, p.createdAt, p.amount)
      if (!page.hasMore || page.nextCursor === null) break
      cursor = page.nextCursor
    }
    for (const r of yield* everyPage((c) => refunds.list(pageAfter(c), succeeded))) add("refund", r.currency, r.createdAt, r.amount)
    const old = yield* everyPage((c) => days.list(pageAfter(c)))
    const oldIds = new Set(old.map((d) => d.id))
    for (const d of old) if (!sums.has(d.id)) yield* days.update(emptyRevenueDay(d.id, d.currency, d.day)).pipe(Effect.orDie)
    for (const d of sums.values()) yield* (oldIds.has(d.id) ? days.update(d) : days.insert(d)).pipe(Effect.orDie)
  }))

  return { written, rebuild }
})

/** Revenue rollups as the payments feature's `PaymentWrites` port (wired in Layers.ts). */
export const layerRevenueLedger = Layer.effect(PaymentWrites, Effect.map(makeRevenueRecorder, ({ written }) => ({ written })))
