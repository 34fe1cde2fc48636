/**
 * A change of interval, month → year, in KWD (3 decimals) with 5 % on top, in the leap-year
 * February of 2024.
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const intervalChangeScenarios = (ctx: ScenarioContext) =>
  describe("interval change month → year (KWD)", () => {
    it("credits the unused half of February, invoices a full year now, and restarts the anchor at the change", async () => {
      const h = await ctx.harness("2024-02-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "KWD", amount: 12345 })
      const yearly = await h.addPrice(plan, { amount: 123450, currency: "KWD", schedule: "year" })
      const customer = await h.customer({ standard_tax_rate: "5" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      // 1 Feb → 1 Mar 2024: 29 days = 2,505,600 s. 12.345 KWD, tax 12345 × 0.05 = 617.25 → 617, total 12962.
      expect(sub.current_period_end).toBe("2024-03-01T00:00:00.000Z")
      expect(linesOf((await h.invoicesOf(sub.id))[0])).toEqual([["subscription", 12345, 12962]])

      // 15 Feb 12:00: 15 Feb 12:00 → 1 Mar 00:00 = 14.5 days = 1,252,800 s of 2,505,600 s = 1/2 left.
      //   credit: −12345 × 1/2 = −6172.5 → −6173 (half away from zero);
      //           tax −6173 × 0.05 = −308.65 → −309; total −6482
      //   a full year from now: 123450; tax 123450 × 0.05 = 6172.5 → 6173; total 129623
      //   invoice: sub_total −6173 + 123450 = 117277; tax −309 + 6173 = 5864; total −6482 + 129623 = 123141
      await h.advance("2024-02-15T12:00:00Z")
      const changed = await h.ok("POST", `/v1/subscriptions/${sub.id}/change-price`, { price: yearly.id })
      expect(changed).toMatchObject({
        price: yearly.id,
        interval: "year",
        status: "active",
        billing_anchor: "2024-02-15T12:00:00.000Z",
        current_period_start: "2024-02-15T12:00:00.000Z",
        current_period_end: "2025-02-15T12:00:00.000Z"
      })
      const [, now] = await h.invoicesOf(sub.id)
      expect(linesOf(now)).toEqual([
        ["proration", -6173, -6482],
        ["subscription", 123450, 129623]
      ])
      expect(now).toMatchObject({
        number: "INV-000002",
        billing_reason: "subscription_update",
        status: "paid",
        sub_total: 117277,
        tax_total: 5864,
        total: 123141,
        amount_paid: 123141,
        created_at: "2024-02-15T12:00:00.000Z"
      })
      expect(now.lines[0].proration).toEqual({ seconds_left: 1_252_800, seconds_in_period: 2_505_600, basis: -12345 })
      expect(now.lines[0].period).toEqual({ start: "2024-02-15T12:00:00.000Z", end: "2024-03-01T00:00:00.000Z" })
      expect(now.lines[1].period).toEqual({ start: "2024-02-15T12:00:00.000Z", end: "2025-02-15T12:00:00.000Z" })

      // No monthly renewal on 1 Mar 2024; the next invoice is the next year, at the new anchor: 129623.
      await h.advance("2025-02-15T12:00:00Z")
      const all = await h.invoicesOf(sub.id)
      expect(all).toHaveLength(3)
      expect(linesOf(all[2])).toEqual([["subscription", 123450, 129623]])
      expect(all[2]).toMatchObject({ number: "INV-000003", created_at: "2025-02-15T12:00:00.000Z", total: 129623 })
      expect(all[2].lines[0].period).toEqual({ start: "2025-02-15T12:00:00.000Z", end: "2026-02-15T12:00:00.000Z" })
    })

    it("year → month in the leap year 2024: the unused half-year becomes a credit invoice, and the balance pays the next months (EUR)", async () => {
      // No tax. Yearly 1,200.00 € from 1 Jan 2024; 2024 has 366 days = 31,622,400 s.
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan, price: yearly } = await h.catalog({ currency: "EUR", amount: 120000, schedule: "year" })
      const monthly = await h.addPrice(plan, { amount: 10000, currency: "EUR", schedule: "month" })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name, price: yearly.id })
      expect(sub).toMatchObject({ interval: "year", current_period_end: "2025-01-01T00:00:00.000Z" })

      // 1 Jul 2024: 1 Jul → 1 Jan 2025 = 31 + 31 + 30 + 31 + 30 + 31 = 184 days = 15,897,600 s left.
      //   credit: −120000 × 184/366 = −22,080,000/366 = −60,327.87 → −60328
      //   a month 1 Jul → 1 Aug: 10000
      //   total 10000 − 60328 = −50328: nothing due, the 50328 goes to the balance.
      await h.advance("2024-07-01T00:00:00Z")
      const changed = await h.ok("POST", `/v1/subscriptions/${sub.id}/change-price`, { price: monthly.id })
      expect(changed).toMatchObject({ interval: "month", billing_anchor: "2024-07-01T00:00:00.000Z", current_period_end: "2024-08-01T00:00:00.000Z" })
      const [, now] = await h.invoicesOf(sub.id)
      expect(linesOf(now)).toEqual([["proration", -60328, -60328], ["subscription", 10000, 10000]])
      expect(now.lines[0].proration).toEqual({ seconds_left: 15_897_600, seconds_in_period: 31_622_400, basis: -120000 })
      expect(now).toMatchObject({ total: -50328, amount_due: 0, amount_paid: 0, status: "paid" })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "EUR", amount: 50328 }])

      // 1 Aug … 1 Dec: five months of 10000 from the balance: 50328 − 5 × 10000 = 328 left.
      // 1 Jan 2025: 10000 − 328 = 9672 charged to the card.
      await h.advance("2025-01-01T00:00:00Z")
      const renewals = (await h.invoicesOf(sub.id)).slice(2)
      expect(renewals.map((i: any) => [i.created_at.slice(0, 10), i.total, i.balance_applied, i.amount_due, i.amount_paid])).toEqual([
        ["2024-08-01", 10000, 10000, 0, 0],
        ["2024-09-01", 10000, 10000, 0, 0],
        ["2024-10-01", 10000, 10000, 0, 0],
        ["2024-11-01", 10000, 10000, 0, 0],
        ["2024-12-01", 10000, 10000, 0, 0],
        ["2025-01-01", 10000, 328, 9672, 9672]
      ])
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "EUR", amount: 0 }])
    })
  })
