/**
 * The MRR ledger, worked by hand: every kind of movement (new, expansion by upgrade and seats,
 * contraction by seats and a next-cycle downgrade, churn by an instant cancel, a cancel at period
 * end and a pause, reactivation by resuming), trial conversions, yearly and weekly prices and two
 * currencies, read back through the analytics endpoints. MRR = ARR ÷ 12, rounded once.
 */
import { describe, expect, it } from "vitest"
import { billkit, fixedClock, type StoragePort } from "@billkit/core"
import { Clock, Effect } from "effect"
import type { ScenarioContext } from "./context.js"
import { ms } from "./harness.js"

const monthly = (path: string, from: string, to: string) => `${path}?interval=month&from=${from}&to=${to}`

/** Storage that silently drops MRR ledger writes: subscriptions as written before the ledger existed. */
const withoutLedger = (storage: StoragePort): StoragePort => ({
  ...storage,
  insert: (spec, tenant, record) => (spec.name.startsWith("mrr_") ? Effect.void : storage.insert(spec, tenant, record)),
  update: (spec, tenant, record) => (spec.name.startsWith("mrr_") ? Effect.void : storage.update(spec, tenant, record)),
  // The billing loop writes a batch's rows together.
  insertMany: (spec, tenant, records) =>
    spec.name.startsWith("mrr_") ? Effect.succeed(records.map((r) => r.id)) : storage.insertMany(spec, tenant, records),
  updateMany: (spec, tenant, records) => (spec.name.startsWith("mrr_") ? Effect.void : storage.updateMany(spec, tenant, records))
})

export const analyticsScenarios = (ctx: ScenarioContext) =>
  describe("analytics", () => {
    /**
     * EUR, from 1 Jan 2024. Basic 30.00/month, Pro 60.00/month, Team 10.00 per seat and month.
     *   1 Jan  A subscribes to Basic                  new          +3000
     *   1 Jan  B subscribes to Team × 3 seats         new          +3000
     *   1 Jan  C subscribes to Basic                  new          +3000
     *  10 Jan  A upgrades to Pro (instantly)          expansion    +3000   (A 6000)
     *  15 Jan  B adds 2 seats                         expansion    +2000   (B 5000)
     *  20 Jan  B removes 1 seat                       contraction  −1000   (B 4000)
     *          end of January: 6000 + 4000 + 3000 = 13000
     *  10 Feb  A downgrades to Basic at the next cycle (1 Mar); B cancels at period end (1 Mar)
     *  15 Feb  C cancels instantly                    churn        −3000   → 10000
     *   1 Mar  A's downgrade takes effect             contraction  −3000
     *   1 Mar  B's period ends: canceled              churn        −4000
     *   5 Mar  A pauses                               churn        −3000
     *  20 Mar  A resumes                              reactivation +3000   → 3000 at the end of March
     */
    const eurHistory = async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const basic = await h.catalog({ currency: "EUR", amount: 3000, code: "basic" })
      await h.catalog({ currency: "EUR", amount: 6000, code: "pro" })
      const team = await h.catalog({ currency: "EUR", amount: 1000, code: "team", perSeat: true })
      const [a, b, c] = [await h.customer(), await h.customer(), await h.customer()]
      const subA = await h.ok("POST", `/v1/customers/${a.id}/subscriptions`, { plan: basic.plan.code_name })
      const subB = await h.ok("POST", `/v1/customers/${b.id}/subscriptions`, { plan: team.plan.code_name, seats: 3 })
      const subC = await h.ok("POST", `/v1/customers/${c.id}/subscriptions`, { plan: basic.plan.code_name })
      await h.advance("2024-01-10T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${subA.id}/change-plan`, { plan: "pro" })
      await h.advance("2024-01-15T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${subB.id}/seats/add`, { seats: 2 })
      await h.advance("2024-01-20T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${subB.id}/seats/remove`, { seats: 1 })
      await h.advance("2024-02-10T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${subA.id}/change-plan`, { plan: "basic", when: "next_cycle" })
      await h.ok("POST", `/v1/subscriptions/${subB.id}/cancel`, { when: "end_of_period" })
      await h.advance("2024-02-15T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${subC.id}/cancel`, { when: "instantly" })
      await h.advance("2024-03-05T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${subA.id}/pause`)
      await h.advance("2024-03-20T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${subA.id}/resume`)
      await h.advance("2024-03-31T00:00:00Z")
      return { h, subA, subB, subC, a, b, c }
    }

    it("MRR per month: 13000, 10000, 3000; ARR twelve times that", async () => {
      const { h } = await eurHistory()
      const series = await h.ok("GET", monthly("/v1/analytics/mrr", "2024-01-01T00:00:00Z", "2024-03-31T23:59:59Z"))
      expect(series).toMatchObject({ object: "mrr_series", interval: "month", from: "2024-01-01T00:00:00.000Z", to: "2024-03-31T23:59:59.000Z" })
      expect(series.data).toEqual([{
        currency: "EUR",
        points: [
          { start: "2024-01-01T00:00:00.000Z", end: "2024-02-01T00:00:00.000Z", mrr: 13000, arr: 156000 },
          { start: "2024-02-01T00:00:00.000Z", end: "2024-03-01T00:00:00.000Z", mrr: 10000, arr: 120000 },
          { start: "2024-03-01T00:00:00.000Z", end: "2024-04-01T00:00:00.000Z", mrr: 3000, arr: 36000 }
        ]
      }])
      const arr = await h.ok("GET", monthly("/v1/analytics/arr", "2024-01-01T00:00:00Z", "2024-03-31T23:59:59Z"))
      expect(arr.object).toBe("arr_series")
      expect(arr.data[0].points.map((p: any) => p.arr)).toEqual([156000, 120000, 36000])
    })

    it("movements per month name each subscription behind them", async () => {
      const { h, subA, subB, subC, a, b, c } = await eurHistory()
      const { data } = await h.ok("GET", monthly("/v1/analytics/mrr/movements", "2024-01-01T00:00:00Z", "2024-03-31T23:59:59Z"))
      const [jan, feb, mar] = data[0].points
      const who = (m: any) => m.subscriptions.map((s: any) => [s.subscription, s.customer, s.mrr])
      expect(jan).toMatchObject({ mrr_start: 0, mrr_end: 13000, net: { mrr: 13000, arr: 156000 } })
      expect(who(jan.new)).toEqual([[subA.id, a.id, 3000], [subB.id, b.id, 3000], [subC.id, c.id, 3000]])
      expect(jan.new.mrr).toBe(9000)
      expect(who(jan.expansion)).toEqual([[subA.id, a.id, 3000], [subB.id, b.id, 2000]])
      expect(who(jan.contraction)).toEqual([[subB.id, b.id, -1000]])
      expect([jan.churn.mrr, jan.reactivation.mrr]).toEqual([0, 0])
      expect(feb).toMatchObject({ mrr_start: 13000, mrr_end: 10000, new: { mrr: 0 }, expansion: { mrr: 0 }, contraction: { mrr: 0 } })
      expect(who(feb.churn)).toEqual([[subC.id, c.id, -3000]])
      expect(mar).toMatchObject({ mrr_start: 10000, mrr_end: 3000, net: { mrr: -7000, arr: -84000 } })
      expect(who(mar.contraction)).toEqual([[subA.id, a.id, -3000]])
      expect(who(mar.churn).sort()).toEqual([[subA.id, a.id, -3000], [subB.id, b.id, -4000]].sort())
      expect(who(mar.reactivation)).toEqual([[subA.id, a.id, 3000]])
    })

    it("churn: customers 1 of 3 in February; revenue churn gross 23.08 %, then 100 % gross and 70 % net in March", async () => {
      const { h } = await eurHistory()
      const { data } = await h.ok("GET", monthly("/v1/analytics/churn", "2024-01-01T00:00:00Z", "2024-03-31T23:59:59Z"))
      const [jan, feb, mar] = data[0].points
      expect(jan).toMatchObject({ customers_start: 0, customer_churn_rate: null, gross_revenue_churn_rate: null })
      // February: 1 of 3 customers; 3000 of 13000 MRR = 23.0769… %.
      expect(feb).toMatchObject({
        customers_start: 3, customers_churned: 1, customer_churn_rate: "33.33",
        mrr_start: 13000, churn_mrr: 3000, gross_revenue_churn_rate: "23.08", net_revenue_churn_rate: "23.08"
      })
      // March from 10000: churn 7000 + contraction 3000 = 100 % gross; less reactivation 3000 = 70 % net.
      // Customers: A and B churned (A came back, which is a reactivation, not an undo): 2 of 2.
      expect(mar).toMatchObject({
        customers_start: 2, customers_churned: 2, customer_churn_rate: "100.00",
        churn_mrr: 7000, contraction_mrr: 3000, reactivation_mrr: 3000, expansion_mrr: 0,
        gross_revenue_churn_rate: "100.00", net_revenue_churn_rate: "70.00"
      })
    })

    it("customers: 3 new in January, 1 churned in February, 2 churned and 1 reactivated in March", async () => {
      const { h } = await eurHistory()
      const { data } = await h.ok("GET", monthly("/v1/analytics/customers", "2024-01-01T00:00:00Z", "2024-03-31T23:59:59Z"))
      expect(data[0].points.map((p: any) => [p.customers_start, p.new, p.reactivated, p.churned, p.net, p.customers_end])).toEqual([
        [0, 3, 0, 0, 3, 3],
        [3, 0, 0, 1, -1, 2],
        [2, 0, 1, 2, -1, 1]
      ])
    })

    it("a daily series puts each movement on its day", async () => {
      const { h } = await eurHistory()
      const { data } = await h.ok("GET", "/v1/analytics/mrr?interval=day&from=2024-02-28T00:00:00Z&to=2024-03-06T00:00:00Z")
      expect(data[0].points.map((p: any) => [p.start.slice(0, 10), p.mrr])).toEqual([
        ["2024-02-28", 10000], ["2024-02-29", 10000], ["2024-03-01", 3000], ["2024-03-02", 3000], ["2024-03-03", 3000],
        ["2024-03-04", 3000], ["2024-03-05", 0], ["2024-03-06", 0]
      ])
    })

    /**
     * USD and GBP from 1 Jan 2024:
     *   D: USD 120.00 a year, 14-day trial → ends 15 Jan: ARR 12000, MRR 1000 from then.
     *   G: USD 25.00 a month, 30-day trial, converted by hand on 10 Jan: ARR 30000, MRR 2500.
     *   E: GBP 10.00 a week: ARR 1000 × 52 = 52000 (MRR 4333.33…).
     *   F: GBP 7.00 a week:  ARR  700 × 52 = 36400 (MRR 3033.33…).
     * GBP MRR = (52000 + 36400) ÷ 12 = 7366.67 → 7367, rounded once (not 4333 + 3033 = 7366).
     */
    it("trials count from their conversion; yearly 1/12, weekly 52/12, per currency, rounded once", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const yearly = await h.catalog({ currency: "USD", amount: 12000, schedule: "year", trialDays: 14 })
      const monthlyTrial = await h.catalog({ currency: "USD", amount: 2500, trialDays: 30 })
      const weekly10 = await h.catalog({ currency: "GBP", amount: 1000, schedule: "week" })
      const weekly7 = await h.catalog({ currency: "GBP", amount: 700, schedule: "week" })
      const d = await h.ok("POST", `/v1/customers/${(await h.customer()).id}/subscriptions`, { plan: yearly.plan.code_name })
      expect(d.status).toBe("trialing")
      const g = await h.ok("POST", `/v1/customers/${(await h.customer()).id}/subscriptions`, { plan: monthlyTrial.plan.code_name })
      await h.ok("POST", `/v1/customers/${(await h.customer()).id}/subscriptions`, { plan: weekly10.plan.code_name })
      await h.ok("POST", `/v1/customers/${(await h.customer()).id}/subscriptions`, { plan: weekly7.plan.code_name })
      await h.advance("2024-01-10T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${g.id}/convert-trial`)
      await h.advance("2024-01-31T00:00:00Z")
      expect((await h.subscription(d.id)).status).toBe("active")

      const daily = await h.ok("GET", "/v1/analytics/mrr?interval=day&from=2024-01-09T00:00:00Z&to=2024-01-15T12:00:00Z&currency=USD")
      expect(daily.data).toHaveLength(1)
      expect(daily.data[0].points.map((p: any) => [p.start.slice(0, 10), p.mrr])).toEqual([
        ["2024-01-09", 0], ["2024-01-10", 2500], ["2024-01-11", 2500], ["2024-01-12", 2500], ["2024-01-13", 2500],
        ["2024-01-14", 2500], ["2024-01-15", 3500]
      ])
      const jan = await h.ok("GET", monthly("/v1/analytics/mrr", "2024-01-01T00:00:00Z", "2024-01-31T00:00:00Z"))
      expect(jan.data.map((c: any) => [c.currency, c.points[0].mrr, c.points[0].arr])).toEqual([
        ["GBP", 7367, 88400],
        ["USD", 3500, 42000]
      ])
      const movements = await h.ok("GET", monthly("/v1/analytics/mrr/movements", "2024-01-01T00:00:00Z", "2024-01-31T00:00:00Z"))
      const gbp = movements.data.find((c: any) => c.currency === "GBP").points[0]
      // Each figure is rounded on its own; the exact ARRs add up: 52000 + 36400 = 88400.
      expect(gbp.new.subscriptions.map((s: any) => [s.mrr, s.arr])).toEqual([[4333, 52000], [3033, 36400]])
      expect([gbp.new.mrr, gbp.new.arr, gbp.arr_end]).toEqual([7367, 88400, 88400])
    })

    it("revenue: succeeded payments net of refunds, per month and currency", async () => {
      const { h } = await eurHistory()
      const { data } = await h.ok("GET", monthly("/v1/analytics/revenue", "2024-01-01T00:00:00Z", "2024-03-31T23:59:59Z"))
      const payments = (await h.ok("GET", "/v1/payments?limit=100")).data.filter((p: any) => p.status === "succeeded")
      const refunds = (await h.ok("GET", "/v1/refunds?limit=100").catch(() => ({ data: [] }))).data.filter((r: any) => r.status === "succeeded")
      const inMonth = (rows: Array<any>, month: string) => rows.filter((r) => r.created_at.startsWith(month)).reduce((s, r) => s + r.amount, 0)
      const expected = ["2024-01", "2024-02", "2024-03"].map((m) => [inMonth(payments, m), inMonth(refunds, m)])
      expect(data[0].currency).toBe("EUR")
      expect(data[0].points.map((p: any) => [p.payments, p.refunds, p.net])).toEqual(expected.map(([p, r]) => [p, r, p - r]))
      // January: 3 × 3000 at creation, A's upgrade to Pro for 10 → 31 Jan carried to the February renewal.
      expect(data[0].points[0].payments).toBe(9000)
    })

    it("answers 422 naming the field for a window upside down or too long", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const upside = await h.call("GET", "/v1/analytics/mrr?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z")
      expect(upside.status).toBe(422)
      expect(upside.json.errors).toEqual([{ field: "from", message: "must not be after `to`" }])
      const long = await h.call("GET", "/v1/analytics/mrr?interval=day&from=2000-01-01T00:00:00Z&to=2024-01-01T00:00:00Z")
      expect(long.status).toBe(422)
      const bad = await h.call("GET", "/v1/analytics/mrr?interval=year")
      expect(bad.status).toBe(400)
    })

    it("the backfill builds the ledger of subscriptions written before it existed, once", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const key = await h.ok("POST", "/v1/api-keys", { name: "old", type: "secret", scopes: ["*"] })
      // An installation from before the ledger: the same storage, with ledger writes dropped.
      // Over the same payment provider as the harness (a Stripe scenario's cards live in its Stripe).
      const provider = h.paymentProvider
      const old = billkit({
        storage: withoutLedger(h.storage),
        clock: fixedClock(ms("2024-01-01T00:00:00Z"), Clock.make()),
        ...(provider === undefined ? {} : { paymentProvider: provider })
      })
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await old.handler(new Request(`http://billkit.test${path}`, {
          method,
          headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        }))
        expect(response.status).toBeLessThan(300)
        return response.json() as Promise<any>
      }
      try {
        const basic = await h.catalog({ currency: "EUR", amount: 3000, code: "basic" })
        const trial = await h.catalog({ currency: "EUR", amount: 2000, code: "trial", trialDays: 14 })
        const [a, b, c] = [await h.customer(), await h.customer(), await h.customer()]
        await call("POST", `/v1/customers/${a.id}/subscriptions`, { plan: basic.plan.code_name })
        const subB = await call("POST", `/v1/customers/${b.id}/subscriptions`, { plan: basic.plan.code_name })
        await call("POST", `/v1/customers/${c.id}/subscriptions`, { plan: trial.plan.code_name })
        await call("POST", "/v1/test-helpers/clock/advance", { to: "2024-02-10T00:00:00Z" })
        await call("POST", `/v1/subscriptions/${subB.id}/cancel`, { when: "instantly" })
        expect((await h.ok("GET", monthly("/v1/analytics/mrr", "2024-01-01T00:00:00Z", "2024-02-29T00:00:00Z"))).data).toEqual([])

        // A: new 3000 on 1 Jan. B: new 3000 on 1 Jan, churned 10 Feb. C: trial to 15 Jan, then 2000.
        expect(await h.ok("POST", "/v1/analytics/mrr/backfill")).toEqual({ object: "mrr_backfill", subscriptions: 3, backfilled: 3, entries: 4 })
        const series = await h.ok("GET", monthly("/v1/analytics/mrr", "2024-01-01T00:00:00Z", "2024-02-29T00:00:00Z"))
        expect(series.data[0].points.map((p: any) => p.mrr)).toEqual([8000, 5000])
        const daily = await h.ok("GET", "/v1/analytics/mrr?interval=day&from=2024-01-14T00:00:00Z&to=2024-01-15T00:00:00Z")
        expect(daily.data[0].points.map((p: any) => p.mrr)).toEqual([6000, 8000])
        // Again: nothing left to build.
        expect(await h.ok("POST", "/v1/analytics/mrr/backfill")).toEqual({ object: "mrr_backfill", subscriptions: 3, backfilled: 0, entries: 0 })
        expect((await h.ok("GET", monthly("/v1/analytics/mrr", "2024-01-01T00:00:00Z", "2024-02-29T00:00:00Z"))).data[0].points.map((p: any) => p.mrr)).toEqual([8000, 5000])
      } finally {
        await old.dispose()
      }
    })

    /** Polls a report run until it is no longer running. */
    const finished = async (h: any, id: string) => {
      for (let i = 0; i < 500; i++) {
        const report = await h.ok("GET", `/v1/reports/${id}`)
        if (report.status !== "running") return report
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
      throw new Error(`report ${id} still running`)
    }
    const fileOf = async (h: any, id: string) => {
      const response = await h.app.handler(new Request(`http://billkit.test/v1/reports/${id}/file`, { headers: { authorization: `Bearer ${h.apiKey}` } }))
      return { status: response.status, type: response.headers.get("content-type"), text: await response.text() }
    }

    it("reports: payments and MRR movements as RFC 4180 CSV, amounts as decimals next to their currency", async () => {
      const { h, subA, subC, a, c } = await eurHistory()
      const started = await h.ok("POST", "/v1/reports", { type: "mrr_movements", from: "2024-02-01T00:00:00Z", to: "2024-02-29T23:59:59Z" })
      expect(started).toMatchObject({ object: "report", type: "mrr_movements", status: "running", from: "2024-02-01T00:00:00.000Z", finished: null })
      expect(started.id).toMatch(/^rpt_/)
      const done = await finished(h, started.id)
      expect(done).toMatchObject({ status: "succeeded", rows: 1, created: "2024-03-31T00:00:00.000Z", finished: "2024-03-31T00:00:00.000Z" })
      const file = await fileOf(h, started.id)
      expect(file.status).toBe(200)
      expect(file.type).toContain("text/csv")
      // C's instant cancel on 15 Feb: −30.00 a month, −360.00 a year.
      expect(file.text.split("\r\n").map((line: string) => line.split(",").slice(1))).toEqual([
        ["at", "type", "subscription", "customer", "currency", "mrr_change", "arr_change", "backfilled"],
        ["2024-02-15T00:00:00.000Z", "churn", subC.id, c.id, "EUR", "-30.00", "-360.00", "false"],
        []
      ])
      const payments = await finished(h, (await h.ok("POST", "/v1/reports", { type: "payments", to: "2024-01-31T23:59:59Z" })).id)
      const lines = (await fileOf(h, payments.id)).text.split("\r\n")
      expect(lines[0]).toBe("id,customer,invoice,status,currency,amount,amount_refunded,created_at")
      expect(payments.rows).toBe(3)
      expect(lines).toHaveLength(5)
      expect(lines[1].split(",").slice(1)).toEqual([a.id, expect.stringMatching(/^inv_/), "succeeded", "EUR", "30.00", "0.00", "2024-01-01T00:00:00.000Z"])
      expect(lines.slice(1, 4).every((l: string) => l.includes(",EUR,30.00,0.00,"))).toBe(true)
      expect(subA.id).toMatch(/^sub_/)
    })

    it("reports: quotes fields with commas and quotes; 422 for a connection that does not exist; 404 for a run that does not", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const customer = await h.ok("POST", "/v1/customers", { email: "jane@example.com", name: "Doe, \"Jane\"" })
      const run = await finished(h, (await h.ok("POST", "/v1/reports", { type: "customers" })).id)
      expect(run).toMatchObject({ status: "succeeded", rows: 1 })
      expect((await fileOf(h, run.id)).text).toBe(
        `id,email,name,created_at\r\n${customer.id},jane@example.com,"Doe, ""Jane""",2024-01-01T00:00:00.000Z\r\n`
      )
      const unknown = await h.call("POST", "/v1/reports", { type: "payments", connection: "conn_nope" })
      expect(unknown.status).toBe(422)
      expect(unknown.json.errors).toEqual([{ field: "connection", message: "no such connection: conn_nope" }])
      expect((await h.call("POST", "/v1/reports", { type: "salaries" })).status).toBe(422)
      expect((await h.call("GET", "/v1/reports/rpt_01HK153X003F5HXE2K2XJ45V3E")).status).toBe(404)
      expect((await fileOf(h, "rpt_01HK153X003F5HXE2K2XJ45V3E")).status).toBe(404)
    })
  })
