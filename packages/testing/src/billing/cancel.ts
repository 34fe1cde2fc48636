/**
 * Cancellation: each `when` (instantly, end_of_period, specific_date) and each `refund_type`
 * (none, full, prorate), in EUR, KWD and JPY.
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const cancelScenarios = (ctx: ScenarioContext) =>
  describe("cancel", () => {
    /**
     * EUR 30.00/month + 21 % from 1 Apr 2024 (30 days = 2,592,000 s), paid 3000 + 630 = 3630 at
     * creation; the clock then at `at`.
     */
    const paidApril = async (at: string) => {
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 3000, code: "basic" })
      await h.catalog({ currency: "EUR", amount: 6000, code: "pro" })
      const customer = await h.customer({ standard_tax_rate: "21" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      const [first] = await h.invoicesOf(sub.id)
      expect(first).toMatchObject({ total: 3630, amount_paid: 3630, status: "paid" })
      await h.advance(at)
      const payments = (await h.ok("GET", `/v1/payments?customer=${customer.id}`)).data
      expect(payments.map((p: any) => [p.invoice, p.amount, p.status])).toEqual([[first.id, 3630, "succeeded"]])
      return { h, sub, customer, first, payment: payments[0] }
    }
    const refundsOf = async (h: any, customer: string) =>
      ((await h.ok("GET", `/v1/customers/${customer}/refunds`)).data as Array<any>).map((r) => [r.invoice, r.amount, r.created_at])

    it("instantly, refund prorate: the unused half is refunded with its tax, 1815", async () => {
      // 16 Apr 00:00 leaves 15 of 30 days = 1,296,000 / 2,592,000 s = 1/2.
      // Unused: 3000 × 1/2 = 1500; its tax 1500 × 0.21 = 315; refund 1500 + 315 = 1815.
      const { customer, first, h, payment, sub } = await paidApril("2024-04-16T00:00:00Z")
      const canceled = await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "instantly", refund_type: "prorate" })
      expect(canceled).toMatchObject({ status: "canceled", ended_at: "2024-04-16T00:00:00.000Z", canceled_at: "2024-04-16T00:00:00.000Z" })
      expect(await refundsOf(h, customer.id)).toEqual([[first.id, 1815, "2024-04-16T00:00:00.000Z"]])
      expect(await h.ok("GET", `/v1/payments/${payment.id}`)).toMatchObject({ amount: 3630, amount_refunded: 1815 })
      // No pending items and no usage: no final invoice. Nothing more, ever.
      await h.advance("2024-06-01T00:00:00Z")
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
    })

    it("instantly, refund full: the whole last paid invoice, 3630, comes back", async () => {
      const { customer, first, h, payment, sub } = await paidApril("2024-04-10T00:00:00Z")
      const canceled = await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "instantly", refund_type: "full" })
      expect(canceled).toMatchObject({ status: "canceled", ended_at: "2024-04-10T00:00:00.000Z" })
      expect(await refundsOf(h, customer.id)).toEqual([[first.id, 3630, "2024-04-10T00:00:00.000Z"]])
      expect(await h.ok("GET", `/v1/payments/${payment.id}`)).toMatchObject({ amount_refunded: 3630 })
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
    })

    it("instantly, refund none: ends now, nothing refunded, nothing invoiced", async () => {
      const { customer, h, sub } = await paidApril("2024-04-20T00:00:00Z")
      expect(await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "instantly", refund_type: "none" })).toMatchObject({
        status: "canceled",
        ended_at: "2024-04-20T00:00:00.000Z"
      })
      expect(await refundsOf(h, customer.id)).toEqual([])
      await h.advance("2024-05-02T00:00:00Z")
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
    })

    it("instantly with prorate after an upgrade whose prorations are still pending: what the customer pays in the end is what was used", async () => {
      // 16 Apr: upgrade to Pro (60.00) with create_prorations: pending −1500 (unused Basic) and
      // +6000 × 15/30 = +3000 (Pro to 1 May).
      const { customer, first, h, sub } = await paidApril("2024-04-16T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "pro" })
      // 24 Apr 00:00: cancel instantly, prorate. 24 Apr → 1 May = 7 days left.
      // Used: Basic 1 → 16 Apr = 3000 × 15/30 = 1500; Pro 16 → 24 Apr = 6000 × 8/30 = 1600;
      // 3100 net, + 21 % = 3100 + 651 = 3751 in all.
      // Paid so far 3630. The pending prorations are invoiced now: −1500 + 3000 = 1500, + 315 = 1815.
      // The unused Pro time (7 of 30 days) is refunded: 6000 × 7/30 = 1400, + 294 = 1694.
      // Net: 3630 + 1815 − 1694 = 3751 ✓.
      await h.advance("2024-04-24T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "instantly", refund_type: "prorate" })
      const [, final] = await h.invoicesOf(sub.id)
      expect(linesOf(final)).toEqual([
        ["proration", -1500, -1815],
        ["proration", 3000, 3630]
      ])
      expect(final).toMatchObject({ billing_reason: "subscription_cancel", total: 1815, amount_paid: 1815, status: "paid" })
      expect(await refundsOf(h, customer.id)).toEqual([[first.id, 1694, "2024-04-24T00:00:00.000Z"]])
    })

    it("instantly with prorate after an always_invoice upgrade refunds the unused time of what was paid on both invoices", async () => {
      // No tax. Basic 10.00 and Pro 90.00 € per month from 1 Apr 2024 (30 days); Basic paid, 1000.
      // 16 Apr (1/2 left), always_invoice: −1000 × 1/2 = −500 and +9000 × 1/2 = +4500 → 4000 paid now.
      // 24 Apr (7 of 30 days left): cancel instantly, prorate.
      //   paid 1000 + 4000 = 5000; used: Basic 1 → 16 Apr 1000 × 15/30 = 500, Pro 16 → 24 Apr 9000 × 8/30 = 2400;
      //   refund 5000 − 500 − 2400 = 2100 = the unused Pro time, 9000 × 7/30 = 2100.
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      await h.catalog({ currency: "EUR", amount: 1000, code: "basic" })
      await h.catalog({ currency: "EUR", amount: 9000, code: "pro" })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: "basic" })
      await h.advance("2024-04-16T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "pro", proration: "always_invoice" })
      expect((await h.invoicesOf(sub.id)).map((i: any) => i.amount_paid)).toEqual([1000, 4000])
      await h.advance("2024-04-24T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "instantly", refund_type: "prorate" })
      const refunded = (await refundsOf(h, customer.id)).reduce((sum, r) => sum + (r[1] as number), 0)
      expect(refunded).toBe(2100)
    })

    it("end_of_period (KWD): access to the period end, then a final invoice for the pending prorations and no renewal", async () => {
      // KWD, no tax. Light 10.000, Heavy 16.000 per month, from 1 Apr 2024 (30 days).
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "KWD", amount: 10000, code: "light" })
      await h.catalog({ currency: "KWD", amount: 16000, code: "heavy" })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      // 16 Apr (1/2 left): credit −10000 × 1/2 = −5000; charge 16000 × 1/2 = 8000; both pending.
      await h.advance("2024-04-16T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "heavy" })
      await h.advance("2024-04-20T00:00:00Z")
      const scheduled = await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, {})
      expect(scheduled).toMatchObject({ status: "active", cancel_at_period_end: true, canceled_at: "2024-04-20T00:00:00.000Z", ended_at: null })
      // The preview is the final invoice: −5000 + 8000 = 3000, no new period.
      const upcoming = await h.ok("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)
      expect(upcoming).toMatchObject({ billing_reason: "subscription_cancel", total: 3000 })
      expect(linesOf(upcoming)).toEqual([["proration", -5000, -5000], ["proration", 8000, 8000]])

      await h.advance("2024-06-01T00:00:00Z")
      const all = await h.invoicesOf(sub.id)
      expect(all.map((i: any) => [i.number, i.billing_reason, i.total, i.status, i.created_at])).toEqual([
        ["INV-000001", "subscription_create", 10000, "paid", "2024-04-01T00:00:00.000Z"],
        ["INV-000002", "subscription_cancel", 3000, "paid", "2024-05-01T00:00:00.000Z"]
      ])
      expect(linesOf(all[1])).toEqual([["proration", -5000, -5000], ["proration", 8000, 8000]])
      expect(await h.subscription(sub.id)).toMatchObject({ status: "canceled", ended_at: "2024-05-01T00:00:00.000Z" })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/refunds`)).data).toEqual([])
    })

    it("specific_date with refund prorate (JPY): ends on 22 Mar 2024 and refunds the 10 unused days of 31", async () => {
      // March 2024: 31 days. ¥3,100 + 10 % = 3100 + 310 = 3410, paid 1 Mar.
      const h = await ctx.harness("2024-03-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "JPY", amount: 3100 })
      const customer = await h.customer({ standard_tax_rate: "10" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      const [first] = await h.invoicesOf(sub.id)
      expect(first).toMatchObject({ total: 3410, amount_paid: 3410 })
      const scheduled = await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, {
        when: "specific_date",
        date: "2024-03-22T00:00:00Z",
        refund_type: "prorate"
      })
      expect(scheduled).toMatchObject({ status: "active", cancel_at: "2024-03-22T00:00:00.000Z", cancel_refund_type: "prorate" })

      // 22 Mar → 1 Apr = 10 days = 864,000 s of 2,678,400 s: 3100 × 10/31 = 1000; tax 100; refund 1100.
      await h.advance("2024-03-25T00:00:00Z")
      expect(await h.subscription(sub.id)).toMatchObject({ status: "canceled", ended_at: "2024-03-22T00:00:00.000Z" })
      expect(await refundsOf(h, customer.id)).toEqual([[first.id, 1100, "2024-03-22T00:00:00.000Z"]])
      await h.advance("2024-04-02T00:00:00Z")
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
    })

    it("prorate after a partial refund by hand refunds only the unused part of what is still paid", async () => {
      // Paid 3630 on 1 Apr; 2000 refunded by hand on 10 Apr: 1630 of the period is still paid.
      // Cancel instantly on 16 Apr with prorate: half the period is unused, so at most
      // 1630 × 1/2 = 815 is owed back. (Refunding 3630 × 1/2 = 1815 would return 2000 + 1815 =
      // 3815 > 3630 − (what the used half cost, 1815) = 1815 — more than the unused time was paid.)
      const { customer, h, payment, sub } = await paidApril("2024-04-10T00:00:00Z")
      await h.ok("POST", `/v1/payments/${payment.id}/refunds`, { amount: 2000 })
      await h.advance("2024-04-16T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "instantly", refund_type: "prorate" })
      const refunds = (await refundsOf(h, customer.id)).map((r) => r[1])
      expect(refunds).toEqual([2000, 815])
    })
  })
