/**
 * Seats added and removed on a per-seat plan, in JPY (no decimals: 2900 is ¥2,900), 10 % on top.
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const seatScenarios = (ctx: ScenarioContext) =>
  describe("seats on a per-seat plan (JPY)", () => {
    it("adds 2 and removes 1 inside a leap-year February from a 31st anchor; both prorations ride on the renewal", async () => {
      // The period 31 Jan → 29 Feb 2024 has 29 days = 29 × 86,400 = 2,505,600 s.
      const h = await ctx.harness("2024-01-31T00:00:00Z")
      const { plan } = await h.catalog({ currency: "JPY", amount: 2900, perSeat: true })
      const customer = await h.customer({ standard_tax_rate: "10" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name, seats: 3 })
      expect(sub).toMatchObject({ status: "active", seats: 3, current_period_end: "2024-02-29T00:00:00.000Z" })
      // 3 seats × ¥2,900 = 8700; tax 870; total 9570.
      const [first] = await h.invoicesOf(sub.id)
      expect(linesOf(first)).toEqual([["subscription", 8700, 9570]])
      expect(first.lines[0].quantity).toBe("3")

      // 15 Feb 00:00: 15 Feb → 29 Feb = 14 days = 1,209,600 s left of 2,505,600 s = 14/29.
      // 2 seats added: 2 × 2900 × 14/29 = 5800 × 14/29 = 2800 (exact); tax 280; total 3080.
      await h.advance("2024-02-15T00:00:00Z")
      expect(await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/add`, { seats: 2 })).toMatchObject({ seats: 5 })

      // 22 Feb 00:00: 22 Feb → 29 Feb = 7 days = 604,800 s left = 7/29 of the period.
      // 1 seat removed: its unused time, 2900 × 7/29 = 700 (exact), is credited: −700; tax −70; total −770.
      // (Engine's route: since 15 Feb the 5 seats prepaid 8700 × 14/29 + 2800 = 4200 + 2800 = 7000
      //  for 14 days; one seat's share 7000 / 5 = 1400, with 7 of those 14 days left: 1400 × 7/14 = 700.)
      await h.advance("2024-02-22T00:00:00Z")
      expect(await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/remove`, { seats: 1 })).toMatchObject({ seats: 4 })
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)

      // 29 Feb: 4 seats × 2900 = 11600; tax 1160; total 12760, for 29 Feb → 31 Mar.
      // sub_total 2800 − 700 + 11600 = 13700; tax 280 − 70 + 1160 = 1370; total 3080 − 770 + 12760 = 15070.
      await h.advance("2024-02-29T00:00:00Z")
      const [, renewal] = await h.invoicesOf(sub.id)
      expect(linesOf(renewal)).toEqual([
        ["proration", 2800, 3080],
        ["proration", -700, -770],
        ["subscription", 11600, 12760]
      ])
      expect(renewal).toMatchObject({ number: "INV-000002", currency: "JPY", sub_total: 13700, tax_total: 1370, total: 15070, amount_paid: 15070 })
      expect(renewal.lines[0].period).toEqual({ start: "2024-02-15T00:00:00.000Z", end: "2024-02-29T00:00:00.000Z" })
      expect(renewal.lines[1].period).toEqual({ start: "2024-02-22T00:00:00.000Z", end: "2024-02-29T00:00:00.000Z" })
      expect(renewal.lines[2].quantity).toBe("4")
      expect(renewal.lines[2].period).toEqual({ start: "2024-02-29T00:00:00.000Z", end: "2024-03-31T00:00:00.000Z" })
    })

    it("with always_invoice: an added seat is charged now, removed seats make a credit invoice that the renewal uses up", async () => {
      // March 2024: 31 days = 2,678,400 s.
      const h = await ctx.harness("2024-03-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "JPY", amount: 3100, perSeat: true })
      const customer = await h.customer({ standard_tax_rate: "10" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name, seats: 5 })
      // 5 × 3100 = 15500; tax 1550; total 17050.
      expect(linesOf((await h.invoicesOf(sub.id))[0])).toEqual([["subscription", 15500, 17050]])

      // 11 Mar: 11 Mar → 1 Apr = 21 days left of 31. One seat: 3100 × 21/31 = 2100; tax 210; total 2310, invoiced now.
      await h.advance("2024-03-11T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/add`, { seats: 1, proration: "always_invoice" })
      const added = (await h.invoicesOf(sub.id))[1]
      expect(linesOf(added)).toEqual([["proration", 2100, 2310]])
      expect(added).toMatchObject({ number: "INV-000002", billing_reason: "subscription_update", total: 2310, amount_paid: 2310, status: "paid" })

      // 22 Mar: 10 days left of 31. Two seats removed: 2 × 3100 × 10/31 = 6200 × 10/31 = 2000 → −2000; tax −200; total −2200.
      // (Engine's route: 6 seats prepaid 15500 × 21/31 + 2100 = 10500 + 2100 = 12600 since 11 Mar;
      //  2/6 of it = 4200; 10 of those 21 days left: 4200 × 10/21 = 2000.)
      // A negative invoice: nothing due, paid at once, and its 2200 goes to the customer's balance.
      await h.advance("2024-03-22T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/remove`, { seats: 2, proration: "always_invoice" })
      const removed = (await h.invoicesOf(sub.id))[2]
      expect(linesOf(removed)).toEqual([["proration", -2000, -2200]])
      expect(removed).toMatchObject({ number: "INV-000003", total: -2200, amount_due: 0, amount_paid: 0, balance_applied: 0, status: "paid" })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "JPY", amount: 2200 }])

      // 1 Apr: 4 seats × 3100 = 12400; tax 1240; total 13640; the balance 2200 applies after tax:
      // amount due 13640 − 2200 = 11440, and the balance is back to 0.
      await h.advance("2024-04-01T00:00:00Z")
      const renewal = (await h.invoicesOf(sub.id))[3]
      expect(linesOf(renewal)).toEqual([["subscription", 12400, 13640]])
      expect(renewal).toMatchObject({ number: "INV-000004", total: 13640, balance_applied: 2200, amount_due: 11440, amount_paid: 11440, status: "paid" })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "JPY", amount: 0 }])
    })
  })
