/**
 * The upcoming-invoice preview is the invoice the renewal later writes: the same lines and the
 * same totals, prorations, tax and balance included. KWD (3 decimals), 5 % on top, per seat.
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

/** What a preview and the invoice written later must agree on (not id, number, status or dates). */
const billed = (invoice: any) => ({
  customer: invoice.customer,
  subscription: invoice.subscription,
  currency: invoice.currency,
  billing_reason: invoice.billing_reason,
  lines: invoice.lines,
  discounts: invoice.discounts,
  sub_total: invoice.sub_total,
  discount_total: invoice.discount_total,
  tax_total: invoice.tax_total,
  total: invoice.total,
  balance_applied: invoice.balance_applied,
  amount_due: invoice.amount_due,
  period_start: invoice.period_start,
  period_end: invoice.period_end
})

export const upcomingInvoiceScenarios = (ctx: ScenarioContext) =>
  describe("upcoming-invoice preview", () => {
    it("after a seat added and a plan change, both with create_prorations, and a balance credit, equals the 1 May renewal", async () => {
      // April 2024: 30 days = 2,592,000 s.
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "KWD", amount: 3333, perSeat: true, code: "solo" })
      await h.catalog({ currency: "KWD", amount: 5000, perSeat: true, code: "team" })
      const customer = await h.customer({ standard_tax_rate: "5" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name, seats: 3 })
      // 3 × 3.333 = 9.999 KWD; tax 9999 × 0.05 = 499.95 → 500; total 10499.
      expect(linesOf((await h.invoicesOf(sub.id))[0])).toEqual([["subscription", 9999, 10499]])

      // 11 Apr: 20 of 30 days left = 2/3. One seat more: 3333 × 2/3 = 2222; tax 111.1 → 111; total 2333.
      await h.advance("2024-04-11T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/add`, { seats: 1 })

      // 21 Apr: 10 of 30 days left = 1/3. Change to Team (5.000 per seat) for the 4 seats:
      //   credit: 4 × 3333 × 1/3 = 13332 / 3 = 4444 → −4444; tax −222.2 → −222; total −4666
      //   (the engine's route: prepaid since 11 Apr 9999 × 2/3 + 2222 = 6666 + 2222 = 8888, 10 of its 20 days left: 4444)
      //   charge: 4 × 5000 × 1/3 = 20000 / 3 = 6666.67 → 6667; tax 333.35 → 333; total 7000
      await h.advance("2024-04-21T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "team" })
      // A credit of 5.000 KWD on the customer's balance, applied after tax.
      await h.ok("POST", `/v1/customers/${customer.id}/balance/adjustments`, { amount: 5000, currency: "KWD", description: "goodwill" })

      // 1 May renewal: Team × 4 = 20000; tax 1000; total 21000.
      //   sub_total 2222 − 4444 + 6667 + 20000 = 24445
      //   tax       111 − 222 + 333 + 1000   = 1222
      //   total     2333 − 4666 + 7000 + 21000 = 25667; balance 5000 → amount due 20667.
      const preview = await h.ok("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)
      expect(linesOf(preview)).toEqual([
        ["proration", 2222, 2333],
        ["proration", -4444, -4666],
        ["proration", 6667, 7000],
        ["subscription", 20000, 21000]
      ])
      expect(preview).toMatchObject({
        billing_reason: "subscription_cycle",
        sub_total: 24445,
        tax_total: 1222,
        total: 25667,
        balance_applied: 5000,
        amount_due: 20667,
        period_start: "2024-05-01T00:00:00.000Z",
        period_end: "2024-06-01T00:00:00.000Z"
      })
      expect(preview.id).toBeUndefined()
      // Looking does not change anything.
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
      expect(await h.ok("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)).toEqual(preview)

      await h.advance("2024-05-01T00:00:00Z")
      const [, renewal] = await h.invoicesOf(sub.id)
      expect(billed(renewal)).toEqual(billed(preview))
      expect(renewal).toMatchObject({ number: "INV-000002", status: "paid", amount_paid: 20667 })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "KWD", amount: 0 }])
    })

    it("with a voucher and a next-cycle downgrade scheduled, the preview again equals the renewal (EUR)", async () => {
      const h = await ctx.harness("2024-01-31T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 4900, code: "big" })
      await h.catalog({ currency: "EUR", amount: 1900, code: "small" })
      const customer = await h.customer({ standard_tax_rate: "19" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      await h.ok("POST", "/v1/vouchers", { code: "FIVEOFF", type: "fixed", amounts: [{ amount: 500, currency: "EUR" }], duration: "once" })
      await h.ok("POST", `/v1/customers/${customer.id}/vouchers`, { code: "FIVEOFF" })
      await h.advance("2024-02-10T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "small", when: "next_cycle" })
      // 29 Feb: Small 1900 − 500 = 1400; tax 1400 × 0.19 = 266; total 1666.
      const preview = await h.ok("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)
      expect(preview).toMatchObject({ sub_total: 1900, discount_total: 500, tax_total: 266, total: 1666, period_start: "2024-02-29T00:00:00.000Z", period_end: "2024-03-31T00:00:00.000Z" })
      await h.advance("2024-02-29T00:00:00Z")
      const [, renewal] = await h.invoicesOf(sub.id)
      expect(billed(renewal)).toEqual(billed(preview))
    })

    it("does not preview a renewal that a cancellation on a specific date inside the period will prevent", async () => {
      // EUR 10.00/month from 1 Mar 2024, to end on 20 Mar (before the 1 Apr renewal), no pending items:
      // nothing will be invoiced again, so there is no upcoming invoice (404) — certainly not a
      // 1 Apr → 1 May period charge.
      const h = await ctx.harness("2024-03-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "specific_date", date: "2024-03-20T00:00:00Z" })
      const reply = await h.call("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)
      const renewalLines = reply.status === 200 ? (reply.json.lines as Array<any>).filter((l) => l.type === "subscription") : []
      expect(renewalLines).toEqual([])
      await h.advance("2024-05-01T00:00:00Z")
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
    })
  })
