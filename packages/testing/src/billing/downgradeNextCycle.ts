/**
 * A downgrade at the next cycle, in KWD (3 decimals: 12345 is 12.345 KWD), from a 31st anchor
 * through the leap-year February of 2028, and per seat in JPY. No tax (the instance default, 0 %).
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const downgradeNextCycleScenarios = (ctx: ScenarioContext) =>
  describe("downgrade at the next cycle", () => {
    it("KWD: keeps the current period as paid, bills the cheaper plan from 29 Feb 2028, and writes no proration", async () => {
      const h = await ctx.harness("2028-01-31T00:00:00Z")
      const pro = await h.catalog({ currency: "KWD", amount: 12345, code: "pro" })
      const basic = await h.catalog({ currency: "KWD", amount: 4500, code: "basic" })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: "pro" })
      // 31 Jan → 29 Feb 2028 (clamped: February 2028 has 29 days): 12.345 KWD.
      expect(sub).toMatchObject({ status: "active", current_period_end: "2028-02-29T00:00:00.000Z" })
      const [first] = await h.invoicesOf(sub.id)
      expect(linesOf(first)).toEqual([["subscription", 12345, 12345]])

      await h.advance("2028-02-10T00:00:00Z")
      const scheduled = await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "basic", when: "next_cycle" })
      // Nothing changes now: still Pro, the same period, no new invoice, no pending item.
      expect(scheduled).toMatchObject({
        plan: pro.plan.id,
        price: pro.price.id,
        current_period_start: "2028-01-31T00:00:00.000Z",
        current_period_end: "2028-02-29T00:00:00.000Z",
        scheduled_change: { plan: basic.plan.id, price: basic.price.id, seats: 1, effective_at: "2028-02-29T00:00:00.000Z" }
      })
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
      // The preview already shows Basic, 4.500 KWD, for 29 Feb → 31 Mar, and nothing else.
      const upcoming = await h.ok("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)
      expect(linesOf(upcoming)).toEqual([["subscription", 4500, 4500]])
      expect(upcoming.lines[0].period).toEqual({ start: "2028-02-29T00:00:00.000Z", end: "2028-03-31T00:00:00.000Z" })

      // 29 Feb and 31 Mar: Basic, 4.500 KWD each; the 31st anchor comes back after February.
      await h.advance("2028-03-31T00:00:00Z")
      const all = await h.invoicesOf(sub.id)
      expect(all.map((i: any) => [i.number, linesOf(i), i.lines[0].period.start.slice(0, 10), i.lines[0].period.end.slice(0, 10), i.total])).toEqual([
        ["INV-000001", [["subscription", 12345, 12345]], "2028-01-31", "2028-02-29", 12345],
        ["INV-000002", [["subscription", 4500, 4500]], "2028-02-29", "2028-03-31", 4500],
        ["INV-000003", [["subscription", 4500, 4500]], "2028-03-31", "2028-04-30", 4500]
      ])
      expect(all[1].lines[0].price).toBe(basic.price.id)
      expect(await h.subscription(sub.id)).toMatchObject({ plan: basic.plan.id, price: basic.price.id, scheduled_change: null, billing_anchor: "2028-01-31T00:00:00.000Z" })
    })

    it("seats added after a next-cycle downgrade was scheduled are billed on the new plan (JPY, per seat)", async () => {
      // March 2024: 31 days. Pro ¥2,000 and Basic ¥1,000 per seat, no tax; 3 seats: 3 × 2000 = 6000.
      const h = await ctx.harness("2024-03-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "JPY", amount: 2000, perSeat: true, code: "pro_seats" })
      await h.catalog({ currency: "JPY", amount: 1000, perSeat: true, code: "basic_seats" })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name, seats: 3 })
      expect(linesOf((await h.invoicesOf(sub.id))[0])).toEqual([["subscription", 6000, 6000]])
      await h.advance("2024-03-10T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "basic_seats", when: "next_cycle" })

      // 22 Mar: 10 of 31 days left. 2 seats more on Pro: 2 × 2000 × 10/31 = 40000/31 = 1290.32 → 1290, pending.
      await h.advance("2024-03-22T00:00:00Z")
      expect(await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/add`, { seats: 2 })).toMatchObject({ seats: 5 })

      // 1 Apr: Basic for all 5 seats, 5 × 1000 = 5000, plus the pending 1290: 6290.
      await h.advance("2024-04-01T00:00:00Z")
      const [, renewal] = await h.invoicesOf(sub.id)
      expect(linesOf(renewal)).toEqual([["proration", 1290, 1290], ["subscription", 5000, 5000]])
      expect(renewal.total).toBe(6290)
      expect(await h.subscription(sub.id)).toMatchObject({ seats: 5 })
    })
  })
