/** A monthly plan with a trial, renewing through a leap-year February and a 31st anchor. */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const trialAndRenewalScenarios = (ctx: ScenarioContext) =>
  describe("trial and renewals", () => {
    it("bills nothing during a 14-day trial, warns 3 days before its end, then charges each month (EUR, 21 % on top)", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 3000, trialDays: 14 })
      const customer = await h.customer({ standard_tax_rate: "21" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      expect(sub).toMatchObject({ status: "trialing", trial_end: "2024-01-15T00:00:00.000Z", current_period_end: "2024-01-15T00:00:00.000Z" })
      expect(await h.invoicesOf(sub.id)).toEqual([])

      // 12 Jan (3 days before the end): the notice, and still nothing billed.
      await h.advance("2024-01-12T00:00:00Z")
      const notices = await h.ok("GET", "/v1/events?type=subscription.trial_will_end")
      expect(notices.data.map((e: any) => [e.subject, e.created_at])).toEqual([[sub.id, "2024-01-12T00:00:00.000Z"]])
      expect(await h.invoicesOf(sub.id)).toEqual([])

      // 15 Jan: the trial ends; the first month 15 Jan – 15 Feb is billed in advance:
      // 3000 + 21 % = 3000 + 630 = 3630, paid with tok_visa.
      await h.advance("2024-01-15T00:00:00Z")
      const [first] = await h.invoicesOf(sub.id)
      expect(linesOf(first)).toEqual([["subscription", 3000, 3630]])
      expect(first).toMatchObject({ status: "paid", number: "INV-000001", sub_total: 3000, tax_total: 630, total: 3630, amount_paid: 3630 })
      expect(first.lines[0].period).toEqual({ start: "2024-01-15T00:00:00.000Z", end: "2024-02-15T00:00:00.000Z" })
      expect(await h.subscription(sub.id)).toMatchObject({ status: "active", billing_anchor: "2024-01-15T00:00:00.000Z" })

      // Two more renewals, each 3630, numbered without gaps, each dated at its period start.
      const advanced = await h.advance("2024-03-20T00:00:00Z")
      expect(advanced.steps).toBe(2)
      const all = await h.invoicesOf(sub.id)
      expect(all.map((i: any) => [i.number, i.total, i.status, i.created_at])).toEqual([
        ["INV-000001", 3630, "paid", "2024-01-15T00:00:00.000Z"],
        ["INV-000002", 3630, "paid", "2024-02-15T00:00:00.000Z"],
        ["INV-000003", 3630, "paid", "2024-03-15T00:00:00.000Z"]
      ])
      expect(await h.subscription(sub.id)).toMatchObject({ current_period_start: "2024-03-15T00:00:00.000Z", current_period_end: "2024-04-15T00:00:00.000Z" })
    })

    it("keeps a 31st anchor through a leap-year February: 31 Jan → 29 Feb → 31 Mar → 30 Apr", async () => {
      const h = await ctx.harness("2024-01-31T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      expect(sub).toMatchObject({ status: "active", current_period_end: "2024-02-29T00:00:00.000Z" })
      await h.advance("2024-05-01T00:00:00Z")
      const periods = (await h.invoicesOf(sub.id)).map((i: any) => [i.lines[0].period.start.slice(0, 10), i.lines[0].period.end.slice(0, 10), i.total])
      expect(periods).toEqual([
        ["2024-01-31", "2024-02-29", 1000],
        ["2024-02-29", "2024-03-31", 1000],
        ["2024-03-31", "2024-04-30", 1000],
        ["2024-04-30", "2024-05-31", 1000]
      ])
    })

    it("running the loop again, or advancing by 0 seconds, bills nothing twice", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      await h.advance("2024-06-01T00:00:00Z")
      const before = await h.invoicesOf(sub.id)
      expect(before).toHaveLength(6)
      await h.ok("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })
      await h.app.runBilling()
      await h.app.runBilling()
      expect(await h.invoicesOf(sub.id)).toEqual(before)
    })
  })
