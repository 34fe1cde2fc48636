/**
 * Vouchers: a percentage off for three cycles from a 31st anchor through a leap-year February,
 * and a discounted period credited for no more than was paid for it (EUR, 21 % on top).
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const voucherScenarios = (ctx: ScenarioContext) =>
  describe("vouchers", () => {
    it("15 % for three cycles discounts the renewals of 29 Feb, 31 Mar and 30 Apr 2024, before tax; the 4th renewal (31 May) pays in full", async () => {
      const h = await ctx.harness("2024-01-31T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 2999 })
      const customer = await h.customer({ standard_tax_rate: "21" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      // Before the voucher: 2999; tax 2999 × 0.21 = 629.79 → 630; total 3629.
      const [first] = await h.invoicesOf(sub.id)
      expect(first).toMatchObject({ sub_total: 2999, discount_total: 0, tax_total: 630, total: 3629 })

      const voucher = await h.ok("POST", "/v1/vouchers", {
        code: "THREE15",
        type: "percentage",
        percentage: 15,
        duration: "repeating",
        duration_in_cycles: 3
      })
      await h.ok("POST", `/v1/customers/${customer.id}/vouchers`, { code: "THREE15" })

      // Each discounted renewal: discount 2999 × 0.15 = 449.85 → 450; taxable 2999 − 450 = 2549;
      // tax 2549 × 0.21 = 535.29 → 535; total 2549 + 535 = 3084.
      await h.advance("2024-05-31T00:00:00Z")
      const all = await h.invoicesOf(sub.id)
      expect(all.map((i: any) => [i.number, i.created_at.slice(0, 10), i.sub_total, i.discount_total, i.tax_total, i.total, i.amount_paid])).toEqual([
        ["INV-000001", "2024-01-31", 2999, 0, 630, 3629, 3629],
        ["INV-000002", "2024-02-29", 2999, 450, 535, 3084, 3084],
        ["INV-000003", "2024-03-31", 2999, 450, 535, 3084, 3084],
        ["INV-000004", "2024-04-30", 2999, 450, 535, 3084, 3084],
        ["INV-000005", "2024-05-31", 2999, 0, 630, 3629, 3629]
      ])
      expect(all[1].lines[0]).toMatchObject({ amount: 2999, discount: 450, sub_total: 2999, tax_total: 535, total: 3084 })
      expect(all[1].discounts).toEqual([{ voucher: voucher.id, code: "THREE15", amount: 450 }])
      expect(all[4].discounts).toEqual([])
      const redemptions = (await h.ok("GET", `/v1/customers/${customer.id}/vouchers`)).data
      expect(redemptions).toMatchObject([{ code: "THREE15", status: "exhausted" }])
    })

    it("an upgrade in a discounted period credits what was paid (after the discount), not the list price; the upgrade itself is not discounted", async () => {
      // 1 Apr 2024 (30 days), 20 % once, redeemed before the subscription: the first invoice is
      // 3000 − 600 = 2400 net; tax 2400 × 0.21 = 504; total 2904.
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 3000, code: "basic" })
      await h.catalog({ currency: "EUR", amount: 6000, code: "pro" })
      const customer = await h.customer({ standard_tax_rate: "21" })
      await h.ok("POST", "/v1/vouchers", { code: "WELCOME20", type: "percentage", percentage: "20", duration: "once" })
      await h.ok("POST", `/v1/customers/${customer.id}/vouchers`, { code: "WELCOME20" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      expect((await h.invoicesOf(sub.id))[0]).toMatchObject({ sub_total: 3000, discount_total: 600, tax_total: 504, total: 2904 })

      // 16 Apr (1/2 left), always_invoice:
      //   credit: −2400 × 1/2 = −1200 (not −1500); tax −252; total −1452
      //   charge: 6000 × 1/2 = 3000, undiscounted; tax 630; total 3630
      //   invoice: 1800; tax 378; total 2178.
      await h.advance("2024-04-16T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/change-plan`, { plan: "pro", proration: "always_invoice" })
      const [, upgrade] = await h.invoicesOf(sub.id)
      expect(linesOf(upgrade)).toEqual([["proration", -1200, -1452], ["proration", 3000, 3630]])
      expect(upgrade).toMatchObject({ sub_total: 1800, discount_total: 0, tax_total: 378, total: 2178 })

      // The once-voucher was used by the first invoice: 1 May is a full Pro month, 6000 + 1260 = 7260.
      await h.advance("2024-05-01T00:00:00Z")
      expect((await h.invoicesOf(sub.id))[2]).toMatchObject({ discount_total: 0, total: 7260 })
    })
  })
