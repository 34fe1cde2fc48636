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

    it("credits invoice lines by quantity or amount, with each line's tax, never past a line's rest", async () => {
      const h = await ctx.harness("2024-05-06T09:00:00Z")
      const customer = await h.customer({ standard_tax_rate: "21", billing_type: "invoice" }, null)
      // Line 0: Onboarding 1 × 5000, tax 1050, total 6050.
      // Line 1: Training 3 × 2500 = 7500, tax 7500 × 0.21 = 1575, total 9075.
      // Line 2: Licence 2 × 1210 tax included = 2420, tax 2420 × 21 / 121 = 420, total 2420.
      // Invoice total 6050 + 9075 + 2420 = 17545.
      const draft = await h.ok("POST", "/v1/invoices", {
        customer: customer.id,
        currency: "EUR",
        lines: [
          { description: "Onboarding", unit_amount: 5000 },
          { description: "Training hour", quantity: 3, unit_amount: 2500 },
          { description: "Licence", quantity: 2, unit_amount: 1210, including_tax: true }
        ]
      })
      const open = await h.ok("POST", `/v1/invoices/${draft.id}/finalize`)
      expect(open).toMatchObject({ status: "open", total: 17545, amount_remaining: 17545 })
      const credit = (body: unknown) => h.call("POST", `/v1/invoices/${draft.id}/credit-notes`, body)

      // One training hour by quantity: 1 × 2500, and a third of the line's tax, 1575 / 3 = 525.
      // One licence by quantity (tax included): 1 × 1210 gross, tax 420 / 2 = 210, net 1000.
      // 1250 of the onboarding by amount: tax 1250 × 0.21 = 262.5, rounded away from zero: 263.
      // Note: 2500 + 525 + 1000 + 210 + 1250 + 263 = 5748.
      const first = await credit({ lines: [{ line: 1, quantity: 1 }, { line: 2, quantity: "1" }, { line: 0, amount: 1250 }], reason: "partly not delivered" })
      expect(first.status).toBe(201)
      expect(first.json).toMatchObject({ amount: 5748, credited_to: "invoice", reason: "partly not delivered" })
      expect(first.json.lines).toEqual([
        { line: 1, quantity: "1", amount: 2500, tax: 525 },
        { line: 2, quantity: "1", amount: 1000, tax: 210 },
        { line: 0, quantity: null, amount: 1250, tax: 263 }
      ])
      expect(await h.ok("GET", `/v1/invoices/${draft.id}`)).toMatchObject({ amount_credited: 5748, amount_remaining: 17545 - 5748 })

      // Line 1 has 5000 (net) left: three more hours (7500) or 5001 are refused, naming the field.
      const tooMany = await credit({ lines: [{ line: 1, quantity: 3 }] })
      expect(tooMany.status).toBe(409)
      expect(tooMany.json.errors[0].field).toBe("lines[0].quantity")
      const tooMuch = await credit({ lines: [{ line: 0, amount: 10 }, { line: 1, amount: 5001 }] })
      expect(tooMuch.status).toBe(409)
      expect(tooMuch.json.errors[0].field).toBe("lines[1].amount")
      // Two requests for one line add up: 3000 + 2001 > 5000.
      expect((await credit({ lines: [{ line: 1, amount: 3000 }, { line: 1, amount: 2001 }] })).json.errors[0].field).toBe("lines[1].amount")
      // Nothing was written by the refusals.
      expect(await h.ok("GET", `/v1/invoices/${draft.id}`)).toMatchObject({ amount_credited: 5748 })

      // The rest of line 1 in one go: 2 × 2500 = 5000 and the tax left, 1575 − 525 = 1050 — the
      // line is credited to exactly its total, 9075.
      const rest = await credit({ lines: [{ line: 1, quantity: 2 }] })
      expect(rest.json).toMatchObject({ amount: 6050, lines: [{ line: 1, quantity: "2", amount: 5000, tax: 1050 }] })
      expect((await credit({ lines: [{ line: 1, amount: 1 }] })).status).toBe(409)

      // Either amount or lines; each line needs amount or quantity, and a line that exists.
      const both = await credit({ amount: 100, lines: [{ line: 0, amount: 100 }] })
      expect(both.status).toBe(422)
      expect(both.json.errors[0].field).toBe("lines")
      const neither = await credit({ reason: "nothing" })
      expect(neither.status).toBe(422)
      expect(neither.json.errors[0].field).toBe("amount")
      const twoWays = await credit({ lines: [{ line: 0, amount: 100, quantity: 1 }] })
      expect(twoWays.status).toBe(422)
      expect(twoWays.json.errors[0].field).toBe("lines[0].amount")
      const noSuchLine = await credit({ lines: [{ line: 3, amount: 100 }] })
      expect(noSuchLine.status).toBe(422)
      expect(noSuchLine.json.errors[0].field).toBe("lines[0].line")
      expect((await credit({ lines: [{ line: 0, quantity: 0 }] })).status).toBe(422)

      // The notes are listed with their lines; a plain-amount note has none.
      const plain = await h.ok("POST", `/v1/invoices/${draft.id}/credit-notes`, { amount: 100 })
      expect(plain.lines).toEqual([])
      const notes = (await h.ok("GET", `/v1/credit-notes?invoice=${draft.id}`)).data
      expect(notes.map((n: any) => [n.amount, n.lines.length])).toEqual([[5748, 3], [6050, 1], [100, 0]])
    })
  })
