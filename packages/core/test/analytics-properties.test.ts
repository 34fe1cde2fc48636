/**
 * MRR ledger invariants over random histories, end to end through the REST surface on memory
 * storage: the movements of any interval add up (exactly, in ARR) to the change of MRR over it,
 * and MRR at any instant equals the sum of the live subscriptions' normalised values then.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeMemoryStorage } from "@billkit/core"
import { makeHarness } from "../../testing/src/billing/harness.js"
import { bucketsOf } from "../src/analytics/domain/Buckets.js"
import { mrrOfArr } from "../src/analytics/domain/Mrr.js"
import { walkLedger, type LedgerEntry } from "../src/analytics/domain/Walk.js"
import type { MrrCustomer, MrrDay } from "../src/analytics/domain/MrrEntry.js"
import { addToDay, applyToCustomer, dayStart, emptyDay, figuresOfDays, takeBackFromCustomer, type Contribution } from "../src/analytics/domain/Rollup.js"

const perYear = { week: 52, month: 12, year: 1 } as const
const day = 86_400_000

type Op =
  | { readonly kind: "create"; readonly plan: number; readonly seats: number }
  | { readonly kind: "add" | "remove"; readonly sub: number; readonly seats: number }
  | { readonly kind: "change"; readonly sub: number; readonly plan: number }
  | { readonly kind: "pause" | "resume" | "cancel"; readonly sub: number }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("create" as const), plan: fc.nat(3), seats: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constantFrom("add" as const, "remove" as const), sub: fc.nat(5), seats: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("change" as const), sub: fc.nat(5), plan: fc.nat(3) }),
  fc.record({ kind: fc.constantFrom("pause" as const, "resume" as const, "cancel" as const), sub: fc.nat(5) })
)

describe("MRR ledger properties", () => {
  it("sum of movements = MRR change over any interval; MRR at any instant = Σ live subscriptions' normalised values", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(op, fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 10 }), fc.nat(40), fc.nat(40), async (ops, x, y) => {
        const h = await makeHarness(makeMemoryStorage(), "2024-01-01T00:00:00Z")
        try {
          // EUR plans: monthly per seat, monthly flat, yearly flat, weekly per seat.
          const plans = [
            await h.catalog({ currency: "EUR", amount: 1000, perSeat: true, code: "p0" }),
            await h.catalog({ currency: "EUR", amount: 4500, code: "p1" }),
            await h.catalog({ currency: "EUR", amount: 50_000, schedule: "year", code: "p2" }),
            await h.catalog({ currency: "EUR", amount: 333, schedule: "week", perSeat: true, code: "p3" })
          ]
          const subs: Array<string> = []
          const customer = await h.customer()
          const expected: Array<[number, number]> = []
          let t = Date.parse("2024-01-01T12:00:00Z")
          for (const [o, gap] of ops) {
            t += gap * day
            await h.advance(new Date(t).toISOString())
            const s = subs.length === 0 ? undefined : subs[("sub" in o ? o.sub : 0) % subs.length]
            if (o.kind === "create") {
              subs.push((await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: `p${o.plan}`, seats: o.seats })).id)
            } else if (s !== undefined) {
              const path = { add: "seats/add", remove: "seats/remove", change: "change-plan", pause: "pause", resume: "resume", cancel: "cancel" }[o.kind]
              const body = o.kind === "add" || o.kind === "remove" ? { seats: o.seats } : o.kind === "change" ? { plan: `p${o.plan}` } : o.kind === "cancel" ? { when: "instantly" } : undefined
              await h.call("POST", `/v1/subscriptions/${s}/${path}`, body) // refused moves (409/422) change nothing
            }
            // What the live subscriptions are worth now, from their records and the catalog alone.
            let arr = 0
            for (const id of subs) {
              const sub = await h.subscription(id)
              if (sub.status !== "active" && sub.status !== "past_due") continue
              const i = plans.findIndex((p) => p.plan.id === sub.plan)
              const perSeat = i === 0 || i === 3
              const price = await h.ok("GET", `/v1/prices/${sub.price}`)
              arr += price.amount * (perSeat ? sub.seats : 1) * perYear[sub.interval as keyof typeof perYear]
            }
            expected.push([t, arr])
          }
          const to = t + day - 1
          const from = Date.parse("2024-01-01T00:00:00Z")
          const daily = await h.ok("GET", `/v1/analytics/mrr?interval=day&from=${from / 1000}&to=${Math.floor(to / 1000)}`)
          const points: Array<any> = daily.data[0]?.points ?? []
          // Each op's day ends with the value after its last op (ops are at noon, one or more days apart).
          for (const [at, arr] of expected) {
            const point = points.find((p) => Date.parse(p.start) <= at && at < Date.parse(p.end))
            expect(point?.arr ?? 0).toBe(arr)
            expect(point?.mrr ?? 0).toBe(mrrOfArr(BigInt(arr)))
          }
          // Movements over an arbitrary interval [a, b]: Σ movements = ARR at its end − at its start.
          const a = from + Math.min(x, y) * day
          const b = from + Math.max(x, y) * day + day - 1
          const movements = await h.ok("GET", `/v1/analytics/mrr/movements?interval=day&from=${a / 1000}&to=${Math.floor(b / 1000)}`)
          for (const { points: ps } of movements.data) {
            for (const p of ps) {
              const sum = p.new.arr + p.expansion.arr + p.contraction.arr + p.churn.arr + p.reactivation.arr
              expect(sum).toBe(p.arr_end - p.arr_start)
              expect(p.net.arr).toBe(sum)
            }
            const total = ps.reduce((s: number, p: any) => s + p.net.arr, 0)
            expect(total).toBe(ps[ps.length - 1].arr_end - ps[0].arr_start)
          }
        } finally {
          await h.dispose()
        }
      }),
      { numRuns: 8 }
    )
  }, 120_000)

  it("the walk: over any buckets, movements add up to the change, and customers add up", () => {
    const entry = fc.record({
      customer: fc.constantFrom("a", "b", "c"),
      subscription: fc.constantFrom("s1", "s2", "s3", "s4"),
      at: fc.integer({ min: 0, max: 60 * day }),
      arr: fc.integer({ min: 0, max: 100_000 })
    })
    fc.assert(fc.property(fc.array(entry, { maxLength: 40 }), fc.integer({ min: 0, max: 60 * day }), fc.integer({ min: 0, max: 60 * day }), (raw, x, y) => {
      // A consistent ledger: each subscription's entries move it from its last value to the next.
      const last = new Map<string, number>()
      const sorted = [...raw].sort((p, q) => p.at - q.at)
      const entries: Array<LedgerEntry> = []
      sorted.forEach((r, i) => {
        const before = last.get(r.subscription) ?? 0
        if (before === r.arr) return
        last.set(r.subscription, r.arr)
        const type = before === 0 ? "new" : r.arr === 0 ? "churn" : r.arr > before ? "expansion" : "contraction"
        entries.push({ id: `e${String(i).padStart(3, "0")}`, subscription: r.subscription, customer: r.customer, currency: "EUR", at: r.at, type, arrDelta: r.arr - before })
      })
      const from = Math.min(x, y)
      const to = Math.max(x, y)
      const buckets = bucketsOf(from, to, "day")!
      const figures = walkLedger(entries, buckets, to).get("EUR") ?? []
      for (const f of figures) {
        const sum = Object.values(f.movements).reduce((s, m) => s + m.arr, 0n)
        expect(sum).toBe(f.arrEnd - f.arrStart)
        expect(f.customersEnd).toBe(f.customersStart + f.customersNew + f.customersReactivated - f.customersChurned)
      }
      // ARR at `to` = Σ of each subscription's last value at or before `to`.
      const live = new Map<string, number>()
      for (const e of entries) if (e.at <= to) live.set(e.subscription, (live.get(e.subscription) ?? 0) + e.arrDelta)
      const total = [...live.values()].reduce((s, v) => s + v, 0)
      if (figures.length > 0) expect(figures[figures.length - 1].arrEnd).toBe(BigInt(total))
    }))
  })

  it("daily rollups written entry by entry (some folded) answer what walking the whole ledger answers", () => {
    const entry = fc.record({
      customer: fc.constantFrom("a", "b", "c"),
      subscription: fc.constantFrom("s1", "s2", "s3", "s4", "s5"),
      gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * day })),
      arr: fc.integer({ min: 0, max: 100_000 }),
      fold: fc.boolean()
    })
    fc.assert(fc.property(fc.array(entry, { maxLength: 40 }), fc.integer({ min: 0, max: 60 * day }), fc.integer({ min: 0, max: 60 * day }), fc.constantFrom("day" as const, "week" as const, "month" as const), (raw, x, y, interval) => {
      // Written in time order as the ledger writer does: each subscription's last entry may be
      // folded (rewritten at its own instant) instead of a new one appended.
      const owner = new Map<string, string>()
      const last = new Map<string, { index: number; before: number }>()
      const value = new Map<string, number>()
      const ledger: Array<LedgerEntry & { move: Contribution["customerMove"] }> = []
      const days = new Map<string, MrrDay>()
      const customers = new Map<string, MrrCustomer>()
      const customerOf = (c: string): MrrCustomer => customers.get(c) ?? { id: c, object: "mrr_customer", customer: c, currency: "EUR", arr: 0, everPaid: false }
      const addDay = (e: LedgerEntry, move: Contribution["customerMove"], sign: 1 | -1) => {
        const d = new Date(dayStart(e.at)).toISOString()
        days.set(d, addToDay(days.get(d) ?? emptyDay(d, "EUR", d), { ...e, customerMove: move }, sign))
      }
      let t = 0
      raw.forEach((r, i) => {
        t += r.gap
        const customer = owner.get(r.subscription) ?? r.customer
        owner.set(r.subscription, customer)
        const previous = last.get(r.subscription)
        // (Folds of an entry its customer has moved past at the same instant are left out: see Rollup.ts.)
        const folded = r.fold && previous !== undefined && ledger[previous.index].at === t &&
          ledger.slice(previous.index + 1).every((e) => e.customer !== customer)
        const before = folded ? previous.before : value.get(r.subscription) ?? 0
        if (!folded && before === r.arr) return
        const type = before === 0 ? "new" : r.arr === 0 ? "churn" : r.arr > before ? "expansion" : "contraction"
        let c = customerOf(customer)
        if (folded) {
          const old = ledger[previous.index]
          c = takeBackFromCustomer(c, old.arrDelta, old.move)
          addDay(old, old.move, -1)
        }
        const { customer: after, move } = applyToCustomer(c, r.arr - before)
        customers.set(customer, after)
        const e = { id: folded ? ledger[previous.index].id : `e${String(i).padStart(3, "0")}`, subscription: r.subscription, customer, currency: "EUR", at: t, type, arrDelta: r.arr - before, move } as const
        if (folded) ledger[previous.index] = e
        else {
          last.set(r.subscription, { index: ledger.length, before })
          ledger.push(e)
        }
        value.set(r.subscription, r.arr)
        addDay(e, move, 1)
      })
      const from = Math.min(x, y)
      const to = Math.max(x, y)
      const buckets = bucketsOf(from, to, interval)!
      const walked = walkLedger(ledger, buckets, to).get("EUR") ?? []
      const lastDay = dayStart(to)
      const rows = [...days.values()].filter((d) => Date.parse(d.day) < lastDay)
      const tail = ledger.filter((e) => e.at >= lastDay && e.at <= to).map((e) => ({ ...e, customerMove: e.move }))
      const summed = figuresOfDays(rows, tail, buckets, to).get("EUR") ?? []
      expect(summed.length).toBe(walked.length)
      summed.forEach((f, i) => {
        const w = walked[i]
        expect([f.arrStart, f.arrEnd, f.customersStart, f.customersEnd, f.customersNew, f.customersReactivated, f.customersChurned])
          .toEqual([w.arrStart, w.arrEnd, w.customersStart, w.customersEnd, w.customersNew, w.customersReactivated, w.customersChurned])
        for (const type of ["new", "expansion", "contraction", "churn", "reactivation"] as const) {
          expect(f.movements[type].arr).toBe(w.movements[type].arr)
          expect(f.movements[type].count).toBe(w.movements[type].subscriptions.length)
        }
      })
    }), { numRuns: 300 })
  })
})
