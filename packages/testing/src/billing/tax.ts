/**
 * Tax exclusive (added on top) and inclusive (contained in the price): the customer's standard
 * and digital rates in JPY, and the instance default rate in KWD, prorations included.
 */
import { BigDecimal } from "effect"
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const taxScenarios = (ctx: ScenarioContext) =>
  describe("tax inclusive and exclusive", () => {
    it("JPY: a standard product at 10 % on top and a digital product at 8 % included, each from the customer's own rate", async () => {
      const h = await ctx.harness("2024-06-01T00:00:00Z")
      const { plan: standard } = await h.catalog({ currency: "JPY", amount: 980 })
      const { plan: digital } = await h.catalog({ currency: "JPY", amount: 1980, includingTax: true, taxType: "digital" })
      const customer = await h.customer({ standard_tax_rate: "10", digital_tax_rate: "8" })

      // Exclusive: ¥980, tax 980 × 10/100 = 98, total 1078.
      const a = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: standard.code_name })
      const [ia] = await h.invoicesOf(a.id)
      expect(linesOf(ia)).toEqual([["subscription", 980, 1078]])
      expect(ia.lines[0]).toMatchObject({ tax_rate: "10", including_tax: false, sub_total: 980, tax_total: 98 })
      expect(ia).toMatchObject({ sub_total: 980, tax_total: 98, total: 1078, amount_paid: 1078 })

      // Inclusive: ¥1,980 contains tax 1980 × 8/108 = 146.67 → 147; sub_total 1980 − 147 = 1833; total 1980.
      const b = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: digital.code_name })
      const [ib] = await h.invoicesOf(b.id)
      expect(linesOf(ib)).toEqual([["subscription", 1980, 1980]])
      expect(ib.lines[0]).toMatchObject({ tax_rate: "8", including_tax: true, sub_total: 1833, tax_total: 147 })
      expect(ib).toMatchObject({ sub_total: 1833, tax_total: 147, total: 1980, amount_paid: 1980 })
    })

    it("KWD at the instance default of 5 %: exclusive and inclusive prices, and an inclusive upgrade whose credit's tax mirrors its charge", async () => {
      const h = await ctx.harness("2024-04-01T00:00:00Z", { defaultTaxRate: BigDecimal.fromBigInt(5n) })
      const { plan: exclusive } = await h.catalog({ currency: "KWD", amount: 12345 })
      const { plan: inclusive } = await h.catalog({ currency: "KWD", amount: 12345, includingTax: true, code: "inc_small" })
      await h.catalog({ currency: "KWD", amount: 20000, includingTax: true, code: "inc_large" })
      const customer = await h.customer() // no rate of its own

      // Exclusive: 12.345 KWD, tax 12345 × 5/100 = 617.25 → 617; total 12962.
      const a = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: exclusive.code_name })
      expect((await h.invoicesOf(a.id))[0]).toMatchObject({ sub_total: 12345, tax_total: 617, total: 12962 })

      // Inclusive: 12.345 KWD contains 12345 × 5/105 = 587.857 → 588; sub_total 12345 − 588 = 11757; total 12345.
      const b = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: inclusive.code_name })
      const [ib] = await h.invoicesOf(b.id)
      expect(ib).toMatchObject({ sub_total: 11757, tax_total: 588, total: 12345 })
      expect(ib.lines[0].tax_rate).toBe("5")

      // 16 Apr 00:00 (15 of 30 days left = 1/2), up to the 20.000 KWD inclusive plan, always_invoice:
      //   credit −12345 × 1/2 = −6172.5 → −6173; tax −6173 × 5/105 = −293.95 → −294; sub_total −5879; total −6173
      //   charge  20000 × 1/2 = 10000;          tax  10000 × 5/105 =  476.19 →  476; sub_total  9524; total 10000
      //   invoice: sub_total −5879 + 9524 = 3645; tax −294 + 476 = 182; total −6173 + 10000 = 3827.
      await h.advance("2024-04-16T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${b.id}/change-plan`, { plan: "inc_large", proration: "always_invoice" })
      const [, change] = await h.invoicesOf(b.id)
      expect(linesOf(change)).toEqual([["proration", -6173, -6173], ["proration", 10000, 10000]])
      expect(change.lines.map((l: any) => [l.sub_total, l.tax_total])).toEqual([[-5879, -294], [9524, 476]])
      expect(change).toMatchObject({ sub_total: 3645, tax_total: 182, total: 3827, amount_paid: 3827 })

      // 1 May: 20.000 KWD contains 20000 × 5/105 = 952.38 → 952; sub_total 19048.
      await h.advance("2024-05-01T00:00:00Z")
      expect((await h.invoicesOf(b.id))[2]).toMatchObject({ sub_total: 19048, tax_total: 952, total: 20000 })
    })
  })
