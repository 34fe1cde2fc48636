/**
 * A one-off invoice (draft → finalize → pay), a credit note on it once paid that goes to the
 * customer's balance, the balance applied after tax to the next invoice, and refunds that never
 * exceed what is left of the payment (409). EUR, 21 % on top, an `invoice` (net terms) customer
 * with a card on file.
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const oneOffAndCreditScenarios = (ctx: ScenarioContext) =>
  describe("one-off invoice, credit note, balance, refunds", () => {
    it("credits 30.25 € of a paid 151.25 € invoice to the balance, uses it on the next invoice, and refunds at most the remainder", async () => {
      const h = await ctx.harness("2024-05-06T09:00:00Z")
      const customer = await h.customer({ standard_tax_rate: "21", billing_type: "invoice" })

      // Onboarding 1 × 5000 + Training 3 × 2500 = 5000 + 7500 = 12500;
      // tax 5000 × 0.21 = 1050 and 7500 × 0.21 = 1575, 2625 in all; total 12500 + 2625 = 15125.
      const draft = await h.ok("POST", "/v1/invoices", {
        customer: customer.id,
        currency: "EUR",
        lines: [
          { description: "Onboarding", unit_amount: 5000 },
          { description: "Training hour", quantity: 3, unit_amount: 2500 }
        ]
      })
      expect(draft).toMatchObject({ status: "draft", number: null, billing_reason: "manual", sub_total: 12500, tax_total: 2625, total: 15125 })
      expect(linesOf(draft)).toEqual([["one_off", 5000, 6050], ["one_off", 7500, 9075]])
      expect(draft.lines[1]).toMatchObject({ quantity: "3", unit_amount: "2500", tax_total: 1575 })

      // Finalize: numbered, open, due in 30 days (net terms), nothing charged yet.
      const open = await h.ok("POST", `/v1/invoices/${draft.id}/finalize`)
      expect(open).toMatchObject({
        status: "open",
        number: "INV-000001",
        collection_method: "send_invoice",
        amount_due: 15125,
        amount_paid: 0,
        due_date: "2024-06-05T09:00:00.000Z"
      })
      const paid = await h.ok("POST", `/v1/invoices/${draft.id}/pay`, {})
      expect(paid).toMatchObject({ status: "paid", amount_paid: 15125, amount_remaining: 0 })

      // A credit note for one training hour with its tax, 2500 + 525 = 3025: the invoice is paid,
      // so it goes to the balance.
      const note = await h.ok("POST", `/v1/invoices/${draft.id}/credit-notes`, { amount: 3025, reason: "one hour not given" })
      expect(note).toMatchObject({ amount: 3025, credited_to: "balance", currency: "EUR" })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "EUR", amount: 3025 }])
      expect(await h.ok("GET", `/v1/invoices/${draft.id}`)).toMatchObject({ amount_credited: 3025 })
      // Left to credit: 15125 − 3025 = 12100; one more is refused.
      expect((await h.call("POST", `/v1/invoices/${draft.id}/credit-notes`, { amount: 12101 })).status).toBe(409)

      // The next invoice: Consulting 10000, tax 2100, total 12100. The balance applies after tax:
      // balance_applied 3025, amount due 12100 − 3025 = 9075.
      const next = await h.ok("POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "Consulting", unit_amount: 10000 }] })
      const nextOpen = await h.ok("POST", `/v1/invoices/${next.id}/finalize`)
      expect(nextOpen).toMatchObject({ number: "INV-000002", sub_total: 10000, tax_total: 2100, total: 12100, balance_applied: 3025, amount_due: 9075 })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "EUR", amount: 0 }])
      expect(await h.ok("POST", `/v1/invoices/${next.id}/pay`, {})).toMatchObject({ status: "paid", amount_paid: 9075 })

      // Refunds of the first payment (15125): 10000, then 6000 > 15125 − 10000 = 5125 is refused,
      // then exactly 5125, then not even 1 more.
      const [payment] = (await h.ok("GET", `/v1/payments?customer=${customer.id}`)).data.filter((p: any) => p.invoice === draft.id)
      expect(payment).toMatchObject({ amount: 15125, status: "succeeded" })
      expect(await h.ok("POST", `/v1/payments/${payment.id}/refunds`, { amount: 10000 })).toMatchObject({ amount: 10000, invoice: draft.id })
      const tooMuch = await h.call("POST", `/v1/payments/${payment.id}/refunds`, { amount: 6000 })
      expect(tooMuch.status).toBe(409)
      expect(await h.ok("POST", `/v1/payments/${payment.id}/refunds`, { amount: 5125 })).toMatchObject({ amount: 5125 })
      expect((await h.call("POST", `/v1/payments/${payment.id}/refunds`, { amount: 1 })).status).toBe(409)
      expect(await h.ok("GET", `/v1/payments/${payment.id}`)).toMatchObject({ amount: 15125, amount_refunded: 15125 })
    })

    it("a card customer's one-off is charged at finalize; a credit note on an open invoice lowers what is due instead (JPY)", async () => {
      const h = await ctx.harness("2024-05-06T09:00:00Z")
      const card = await h.customer({ standard_tax_rate: "10" })
      // ¥12,000 + 10 % = 13200, charged to tok_visa at finalize.
      const a = await h.ok("POST", "/v1/invoices", { customer: card.id, currency: "JPY", lines: [{ description: "Setup", unit_amount: 12000 }] })
      expect(await h.ok("POST", `/v1/invoices/${a.id}/finalize`)).toMatchObject({ status: "paid", total: 13200, amount_paid: 13200 })

      // An `invoice` customer: ¥5,000 + 10 % = 5500 open; a credit note of 1100 leaves 4400 to pay,
      // and does not touch the balance.
      const terms = await h.customer({ standard_tax_rate: "10", billing_type: "invoice" })
      const b = await h.ok("POST", "/v1/invoices", { customer: terms.id, currency: "JPY", lines: [{ description: "Audit", unit_amount: 5000 }] })
      await h.ok("POST", `/v1/invoices/${b.id}/finalize`)
      expect(await h.ok("POST", `/v1/invoices/${b.id}/credit-notes`, { amount: 1100 })).toMatchObject({ credited_to: "invoice" })
      expect(await h.ok("GET", `/v1/invoices/${b.id}`)).toMatchObject({ status: "open", amount_due: 5500, amount_credited: 1100, amount_remaining: 4400 })
      expect((await h.ok("GET", `/v1/customers/${terms.id}/balance`)).balances).toEqual([])
      expect(await h.ok("POST", `/v1/invoices/${b.id}/pay`, {})).toMatchObject({ status: "paid", amount_paid: 4400, amount_remaining: 0 })
    })

    it("a debit adjustment of the balance is collected with the next invoice (KWD)", async () => {
      // API.md §2, balances: adjustments are "credit or debit; applied to the next invoices
      // before charging". A debit of 1.250 KWD, then a one-off of 10.000 KWD (no tax):
      // total 10000; amount due 10000 + 1250 = 11250; the balance is back to 0.
      const h = await ctx.harness("2024-05-06T09:00:00Z")
      const customer = await h.customer()
      await h.ok("POST", `/v1/customers/${customer.id}/balance/adjustments`, { amount: -1250, currency: "KWD", description: "unpaid setup fee" })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "KWD", amount: -1250 }])
      const draft = await h.ok("POST", "/v1/invoices", { customer: customer.id, currency: "KWD", lines: [{ description: "Licence", unit_amount: 10000 }] })
      const done = await h.ok("POST", `/v1/invoices/${draft.id}/finalize`)
      expect(done).toMatchObject({ total: 10000, amount_due: 11250, amount_paid: 11250, status: "paid" })
      expect((await h.ok("GET", `/v1/customers/${customer.id}/balance`)).balances).toEqual([{ currency: "KWD", amount: 0 }])
    })
  })
