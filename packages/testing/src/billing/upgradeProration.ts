/**
 * An upgrade at exactly the middle of a 30-day period, once with each proration mode (EUR,
 * 21 % on top).
 *
 * April 2024 has 30 days: 30 × 86,400 = 2,592,000 s. The change is at 16 Apr 00:00, which leaves
 * 16 Apr → 1 May = 15 days = 1,296,000 s, so the fraction is 1,296,000 / 2,592,000 = 1/2.
 *
 *   Basic 30.00 €/month, Pro 60.00 €/month, customer rate 21 %.
 *   first invoice (1 Apr):  Basic 3000, tax 3000 × 0.21 = 630, total 3630.
 *   credit for unused Basic: −3000 × 1/2 = −1500, tax −1500 × 0.21 = −315, total −1815
 *   charge for the rest of Pro: 6000 × 1/2 = 3000, tax 3000 × 0.21 = 630, total 3630
 *   a full Pro month (1 May):  6000, tax 6000 × 0.21 = 1260, total 7260
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

const APRIL = { seconds: 2_592_000, halfLeft: 1_296_000 }

export const upgradeProrationScenarios = (ctx: ScenarioContext) =>
  describe("upgrade at mid-period, each proration mode", () => {
    /** Basic from 1 Apr 2024 (paid: 3630), the clock then at 16 Apr 00:00, the middle. */
    const setup = async () => {
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      await h.catalog({ currency: "EUR", amount: 3000, code: "basic" })
      const pro = await h.catalog({ currency: "EUR", amount: 6000, code: "pro" })
      const customer = await h.customer({ standard_tax_rate: "21" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: "basic" })
      expect(sub).toMatchObject({ status: "active", current_period_start: "2024-04-01T00:00:00.000Z", current_period_end: "2024-05-01T00:00:00.000Z" })
      const [first] = await h.invoicesOf(sub.id)
      // 3000 + 21 % (630) = 3630, charged at creation.
      expect(linesOf(first)).toEqual([["subscription", 3000, 3630]])
      expect(first).toMatchObject({ number: "INV-000001", status: "paid", sub_total: 3000, tax_total: 630, total: 3630, amount_paid: 3630 })
      await h.advance("2024-04-16T00:00:00Z")
      return { h, sub, pro }
    }

    it("create_prorations: nothing is invoiced now; the credit and the charge ride on the 1 May renewal", async () => {
      const { h, pro, sub } = await setup()
      const changed = await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "pro", proration: "create_prorations" })
      expect(changed).toMatchObject({ plan: pro.plan.id, price: pro.price.id, status: "active", current_period_end: "2024-05-01T00:00:00.000Z" })
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)

      await h.advance("2024-05-01T00:00:00Z")
      const [, renewal] = await h.invoicesOf(sub.id)
      // −1500 (−1815) + 3000 (3630) + 6000 (7260):
      // sub_total −1500 + 3000 + 6000 = 7500; tax −315 + 630 + 1260 = 1575; total 7500 + 1575 = 9075.
      expect(linesOf(renewal)).toEqual([
        ["proration", -1500, -1815],
        ["proration", 3000, 3630],
        ["subscription", 6000, 7260]
      ])
      expect(renewal).toMatchObject({
        number: "INV-000002",
        billing_reason: "subscription_cycle",
        status: "paid",
        sub_total: 7500,
        discount_total: 0,
        tax_total: 1575,
        total: 9075,
        amount_due: 9075,
        amount_paid: 9075,
        created_at: "2024-05-01T00:00:00.000Z"
      })
      const [credit, charge, period] = renewal.lines
      expect(credit).toMatchObject({ sub_total: -1500, tax_total: -315, period: { start: "2024-04-16T00:00:00.000Z", end: "2024-05-01T00:00:00.000Z" } })
      expect(credit.proration).toEqual({ seconds_left: APRIL.halfLeft, seconds_in_period: APRIL.seconds, basis: -3000 })
      expect(charge).toMatchObject({ sub_total: 3000, tax_total: 630, price: pro.price.id, period: { start: "2024-04-16T00:00:00.000Z", end: "2024-05-01T00:00:00.000Z" } })
      expect(charge.proration).toEqual({ seconds_left: APRIL.halfLeft, seconds_in_period: APRIL.seconds, basis: 6000 })
      expect(period.period).toEqual({ start: "2024-05-01T00:00:00.000Z", end: "2024-06-01T00:00:00.000Z" })
    })

    it("always_invoice: the credit and the charge are invoiced (and paid) at once; the renewal is a plain Pro month", async () => {
      const { h, sub } = await setup()
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "pro", proration: "always_invoice" })
      const [, now] = await h.invoicesOf(sub.id)
      // −1500 + 3000 = 1500; tax −315 + 630 = 315; total −1815 + 3630 = 1815.
      expect(linesOf(now)).toEqual([
        ["proration", -1500, -1815],
        ["proration", 3000, 3630]
      ])
      expect(now).toMatchObject({
        number: "INV-000002",
        billing_reason: "subscription_update",
        status: "paid",
        sub_total: 1500,
        tax_total: 315,
        total: 1815,
        amount_paid: 1815,
        created_at: "2024-04-16T00:00:00.000Z"
      })

      await h.advance("2024-05-01T00:00:00Z")
      const all = await h.invoicesOf(sub.id)
      expect(all).toHaveLength(3)
      // 6000 + 1260 = 7260, nothing carried over.
      expect(linesOf(all[2])).toEqual([["subscription", 6000, 7260]])
      expect(all[2]).toMatchObject({ number: "INV-000003", billing_reason: "subscription_cycle", total: 7260, amount_paid: 7260 })
    })

    it("none: no credit and no charge, ever; the renewal is a plain Pro month", async () => {
      const { h, pro, sub } = await setup()
      const changed = await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "pro", proration: "none" })
      expect(changed).toMatchObject({ plan: pro.plan.id, status: "active" })
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
      const upcoming = await h.ok("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)
      expect(linesOf(upcoming)).toEqual([["subscription", 6000, 7260]])

      await h.advance("2024-05-01T00:00:00Z")
      const all = await h.invoicesOf(sub.id)
      expect(all).toHaveLength(2)
      expect(linesOf(all[1])).toEqual([["subscription", 6000, 7260]])
      expect(all[1]).toMatchObject({ number: "INV-000002", total: 7260, amount_paid: 7260 })
    })

    it("a partly refunded period credits only what is still paid for it", async () => {
      // No tax here. Basic 3000 paid on 1 Apr; 1000 of it refunded by hand on 10 Apr, so the
      // period's paid amount is 3000 − 1000 = 2000.
      // 16 Apr (1/2 left), always_invoice: credit −2000 × 1/2 = −1000 (not −3000 × 1/2 = −1500);
      // charge 6000 × 1/2 = 3000; invoice 3000 − 1000 = 2000.
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      await h.catalog({ currency: "EUR", amount: 3000, code: "basic" })
      await h.catalog({ currency: "EUR", amount: 6000, code: "pro" })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: "basic" })
      await h.advance("2024-04-10T00:00:00Z")
      const [payment] = (await h.ok("GET", `/v1/payments?customer=${customer.id}`)).data
      expect(payment).toMatchObject({ amount: 3000, status: "succeeded" })
      await h.ok("POST", `/v1/payments/${payment.id}/refunds`, { amount: 1000 })
      await h.advance("2024-04-16T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "pro", proration: "always_invoice" })
      const [, now] = await h.invoicesOf(sub.id)
      expect(linesOf(now)).toEqual([
        ["proration", -1000, -1000],
        ["proration", 3000, 3000]
      ])
      expect(now).toMatchObject({ total: 2000, amount_paid: 2000 })
    })
  })
