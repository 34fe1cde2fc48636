/**
 * Usage prices on invoices: the four charge models on one quantity, estimated costs, events that
 * arrive after their period was invoiced (adjusted exactly once), usage limits and entitlements.
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "../billing/context.js"
import { linesOf } from "../billing/harness.js"
import { eventsOfType, many, metric, post, usagePrice } from "./helpers.js"

export const chargingScenarios = (ctx: ScenarioContext) =>
  describe("usage charges", () => {
    it("bills the period's quantity in arrears under per_unit, graduated, volume and package", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      await metric(h, { code: "units", name: "Units", aggregation_method: "sum", aggregation_property: "n" })
      const perUnit = await usagePrice(h, plan, { metric: "units", charge_model: "per_unit", unit_amount_decimal: "0.5" })
      const graduated = await usagePrice(h, plan, {
        metric: "units",
        charge_model: "graduated",
        tiers: [{ up_to: 1000, unit_amount_decimal: "1" }, { up_to: null, unit_amount_decimal: "0.25", flat_amount: 100 }]
      })
      const volume = await usagePrice(h, plan, {
        metric: "units",
        charge_model: "volume",
        tiers: [{ up_to: 1000, unit_amount_decimal: "2" }, { up_to: null, unit_amount_decimal: "1.5", flat_amount: 50 }]
      })
      const pack = await usagePrice(h, plan, { metric: "units", charge_model: "package", package_size: 100, amount: 300 })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      expect(sub.price).not.toBe(perUnit.id)

      await h.advance("2024-01-20T00:00:00Z")
      await post(h, [
        { event_id: "u1", customer: customer.id, code: "units", timestamp: "2024-01-05T00:00:00Z", properties: { n: 1000 } },
        { event_id: "u2", customer: customer.id, code: "units", properties: { n: "234.5" } }
      ])
      // Quantity 1234.5:
      //   per_unit 1234.5 × 0.5 = 617.25 → 617
      //   graduated 1000 × 1 + 234.5 × 0.25 + 100 = 1000 + 58.625 + 100 = 1158.625 → 1159
      //   volume (all in tier 2) 1234.5 × 1.5 + 50 = 1851.75 + 50 = 1901.75 → 1902
      //   package ⌈1234.5 / 100⌉ = 13 packages × 300 = 3900
      // Estimated: 617 + 1159 + 1902 + 3900 = 7578.
      const costs = await h.ok("GET", `/v1/customers/${customer.id}/costs`)
      expect(costs.lines.map((l: any) => [l.price, l.quantity, l.amount])).toEqual([
        [perUnit.id, "1234.5", 617],
        [graduated.id, "1234.5", 1159],
        [volume.id, "1234.5", 1902],
        [pack.id, "1234.5", 3900]
      ])
      expect(costs.totals).toEqual([
        { currency: "EUR", amount: 7578, period: { start: "2024-01-01T00:00:00.000Z", end: "2024-02-01T00:00:00.000Z" } }
      ])

      // 1 Feb: January's usage in arrears, with February's 1000 in advance: 7578 + 1000 = 8578.
      await h.advance("2024-02-01T00:00:00Z")
      const [, renewal] = await h.invoicesOf(sub.id)
      expect(linesOf(renewal)).toEqual([
        ["usage", 617, 617],
        ["usage", 1159, 1159],
        ["usage", 1902, 1902],
        ["usage", 3900, 3900],
        ["subscription", 1000, 1000]
      ])
      expect(renewal.lines[0]).toMatchObject({ quantity: "1234.5", period: { start: "2024-01-01T00:00:00.000Z", end: "2024-02-01T00:00:00.000Z" } })
      expect(renewal.total).toBe(8578)
      // February starts from nothing.
      expect((await h.ok("GET", `/v1/customers/${customer.id}/costs`)).totals[0].amount).toBe(0)
    })

    it("bills events that arrive after their period was invoiced as an adjustment on the next invoice, once", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      await metric(h, { code: "calls", name: "Calls", aggregation_method: "count" })
      await usagePrice(h, plan, { metric: "calls", charge_model: "per_unit", unit_amount_decimal: "2" })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      await h.advance("2024-01-25T00:00:00Z")
      await post(h, many(customer.id, "calls", 10, "jan"))

      // 1 Feb: 10 calls × 2 = 20.
      await h.advance("2024-02-01T00:00:00Z")
      expect(linesOf((await h.invoicesOf(sub.id))[1])).toEqual([["usage", 20, 20], ["subscription", 1000, 1000]])

      // 10 Feb: 3 calls of 25 Jan arrive late, and 1 of February.
      await h.advance("2024-02-10T00:00:00Z")
      await post(h, many(customer.id, "calls", 3, "late", { timestamp: "2024-01-25T00:00:00Z" }))
      await post(h, many(customer.id, "calls", 1, "feb"))
      // January stays billed as it was until the next invoice; the estimate is February's alone: 1 × 2.
      expect((await h.ok("GET", `/v1/customers/${customer.id}/costs`)).totals[0].amount).toBe(2)

      // 1 Mar: February 1 × 2 = 2; January adjusted: 13 × 2 − 20 billed = 6.
      await h.advance("2024-03-01T00:00:00Z")
      const march = (await h.invoicesOf(sub.id))[2]
      expect(linesOf(march)).toEqual([["usage", 2, 2], ["usage_adjustment", 6, 6], ["subscription", 1000, 1000]])
      expect(march.lines[1]).toMatchObject({ quantity: "13", period: { start: "2024-01-01T00:00:00.000Z", end: "2024-02-01T00:00:00.000Z" } })

      // 5 Mar: one more late call for February (billed 1 Mar). 1 Apr: March 0, February adjusted
      // 2 × 2 − 2 = 2, January not again.
      await h.advance("2024-03-05T00:00:00Z")
      await post(h, many(customer.id, "calls", 1, "late-feb", { timestamp: "2024-02-20T00:00:00Z" }))
      await h.advance("2024-04-01T00:00:00Z")
      const april = (await h.invoicesOf(sub.id))[3]
      expect(linesOf(april)).toEqual([
        ["usage", 0, 0],
        ["usage_adjustment", 2, 2],
        ["subscription", 1000, 1000]
      ])
      expect(april.lines[1].period).toEqual({ start: "2024-02-01T00:00:00.000Z", end: "2024-03-01T00:00:00.000Z" })
      await h.advance("2024-05-01T00:00:00Z")
      expect(linesOf((await h.invoicesOf(sub.id))[4])).toEqual([["usage", 0, 0], ["subscription", 1000, 1000]])
    })

    it("fires WARNING and DISABLE limits once per period, and disables entitlements while reached", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const feature = await h.ok("POST", "/v1/features", { code: "api_access", name: "API access" })
      await h.ok("PATCH", `/v1/plans/${plan.id}`, { features: [feature.id], limits: [{ feature: feature.id, limit: 10 }] })
      await metric(h, { code: "calls", name: "Calls", aggregation_method: "count" })
      await usagePrice(h, plan, { metric: "calls", charge_model: "per_unit", unit_amount_decimal: "100" }) // 1 EUR a call
      const customer = await h.customer()
      await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      const warning = await h.ok("POST", `/v1/customers/${customer.id}/usage-limits`, { amount: 500, action: "WARNING" })
      expect(warning).toMatchObject({ object: "usage_limit", currency: "EUR", status: "active", triggered_period_start: null })
      const disable = await h.ok("POST", `/v1/customers/${customer.id}/usage-limits`, { amount: 1000, currency: "EUR", action: "DISABLE" })
      const entitlements = () => h.ok("GET", `/v1/customers/${customer.id}/entitlements`)
      expect(await entitlements()).toMatchObject({
        disabled: false,
        data: [{ object: "entitlement", feature: feature.id, code: "api_access", limit: 10, plans: [plan.id], disabled: false }]
      })

      await post(h, many(customer.id, "calls", 4, "a")) // 400
      expect(await eventsOfType(h, "usage_limit.warning")).toEqual([])
      await post(h, many(customer.id, "calls", 1, "b")) // 500: reaches the warning
      await post(h, many(customer.id, "calls", 2, "c")) // 700: already fired this period
      const warned = await eventsOfType(h, "usage_limit.warning")
      expect(warned.map((e) => [e.subject, e.data.estimated_cost.amount])).toEqual([[warning.id, 500]])
      expect((await entitlements()).disabled).toBe(false)

      await post(h, many(customer.id, "calls", 3, "d")) // 1000: reaches DISABLE
      expect((await eventsOfType(h, "usage_limit.disabled")).map((e) => e.subject)).toEqual([disable.id])
      expect(await entitlements()).toMatchObject({ disabled: true, data: [{ code: "api_access", disabled: true }] })
      await post(h, many(customer.id, "calls", 1, "e"))
      expect(await eventsOfType(h, "usage_limit.disabled")).toHaveLength(1)
      expect((await h.ok("GET", `/v1/customers/${customer.id}/usage-limits`)).data.map((l: any) => [l.id, l.triggered_period_start]))
        .toEqual([[warning.id, "2024-01-01T00:00:00.000Z"], [disable.id, "2024-01-01T00:00:00.000Z"]])

      // The next period lifts it; the warning fires again once reached in February.
      await h.advance("2024-02-01T00:00:00Z")
      expect((await entitlements()).disabled).toBe(false)
      await post(h, many(customer.id, "calls", 5, "f"))
      expect(await eventsOfType(h, "usage_limit.warning")).toHaveLength(2)

      // Reached again in February (1000: fires again, a new period); deleting the limit (to raise
      // it) lifts it at once.
      await post(h, many(customer.id, "calls", 5, "g"))
      expect((await entitlements()).disabled).toBe(true)
      expect(await eventsOfType(h, "usage_limit.disabled")).toHaveLength(2)
      expect((await h.ok("DELETE", `/v1/customers/${customer.id}/usage-limits/${disable.id}`)).status).toBe("deleted")
      expect((await entitlements()).disabled).toBe(false)
      await h.ok("POST", `/v1/customers/${customer.id}/usage-limits`, { amount: 2000, action: "DISABLE" })
      expect((await entitlements()).disabled).toBe(false)
      expect((await h.ok("GET", `/v1/customers/${customer.id}/usage-limits`)).data).toHaveLength(2)
      // A limit the estimate already reaches fires when created.
      await h.ok("POST", `/v1/customers/${customer.id}/usage-limits`, { amount: 900, action: "DISABLE" })
      expect(await eventsOfType(h, "usage_limit.disabled")).toHaveLength(3)
      expect((await entitlements()).disabled).toBe(true)
    })
  })
