/**
 * Hostile input, once for every storage backend: NUL characters, deep nesting, amounts and
 * quantities past the bounds (docs/conventions.md, "Bounds"), and usage that would cost more than
 * an invoice can carry. Each answer is a 4xx problem naming the field, the same on memory, SQLite
 * and Postgres (which cannot store NUL), and nothing half-written stays behind.
 */
import { describe, expect, it } from "vitest"
import { scenarioContext } from "./billing/scenarioContext.js"
import type { Harness } from "./billing/harness.js"
import type { StorageUnderTest } from "./conformance/fixtures.js"
import { metric, usagePrice } from "./usage/helpers.js"

const maxAmount = 999_999_999_999

const fieldsOf = (reply: { json: any }) => (reply.json?.errors ?? []).map((e: any) => e.field)

const expectProblem = (reply: { status: number; json: any }, status: number, field?: string) => {
  expect(reply.status, JSON.stringify(reply.json).slice(0, 500)).toBe(status)
  expect(reply.json.status).toBe(status)
  if (field !== undefined) expect(fieldsOf(reply)).toContain(field)
}

const customerCount = async (h: Harness) => (await h.ok("GET", "/v1/customers?include_total=true")).total as number

export const hostileInputScenarios = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`hostile input: ${name}`, () => {
    const ctx = scenarioContext(`hostile input: ${name}`, make)

    it("refuses NUL in path ids (404), query values (400) and body strings (422 naming the field), storing nothing", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan, price } = await h.catalog({ currency: "EUR", amount: 1000 })
      const customer = await h.customer()
      await metric(h, { code: "calls", name: "Calls", aggregation_method: "count" })
      const before = await customerCount(h)

      expectProblem(await h.call("GET", "/v1/customers/%00"), 404)
      expectProblem(await h.call("GET", `/v1/customers/${customer.id}%00`), 404)
      expectProblem(await h.call("GET", "/v1/customers?starting_after=cus_%00"), 400, "starting_after")
      expectProblem(await h.call("GET", "/v1/invoices?customer=%00"), 400, "customer")
      expectProblem(await h.call("POST", "/v1/customers", { email: "nul@example.com", reference: "a\u0000b" }), 422, "reference")
      expectProblem(await h.call("POST", "/v1/customers", { email: "nul2@example.com", metadata: { k: "\u0000" } }), 422, "metadata.k")
      expectProblem(await h.call("POST", "/v1/usage-events", { event_id: "e\u0000", customer: customer.id, code: "calls" }), 422, "event_id")
      expectProblem(await h.call("POST", "/v1/usage-events", { events: [{ event_id: "e1", customer: customer.id, code: "calls\u0000" }] }), 422, "events[0].code")
      expectProblem(await h.call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: `${plan.code_name}\u0000` }), 422, "plan")
      expectProblem(await h.call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, price: `${price.id}\u0000` }), 422, "price")

      expect(await customerCount(h)).toBe(before)
      expect((await h.ok("GET", "/v1/usage-events")).data).toEqual([])
      expect((await h.ok("GET", "/v1/subscriptions")).data).toEqual([])
    })

    it("refuses JSON nested deeper than 64 levels with a 400 before decoding", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      let nested: unknown = 1
      for (let i = 0; i < 2500; i++) nested = { a: nested }
      expectProblem(await h.call("POST", "/v1/customers", { email: nested }), 400)
      let shallow: unknown = "x"
      for (let i = 0; i < 10; i++) shallow = [shallow]
      expectProblem(await h.call("POST", "/v1/customers", { email: "ok@example.com", name: shallow }), 422, "name")
    })

    it("refuses amounts and quantities past the bounds with a 422 naming the field, and sums maximal lines exactly", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const customer = await h.customer()
      const product = await h.ok("POST", "/v1/products", { name: "Big" })
      const prices = `/v1/products/${product.id}/prices`
      expectProblem(await h.call("POST", prices, { amount: 9007199254740991, currency: "EUR", schedule: "month" }), 422, "amount")
      expectProblem(await h.call("POST", prices, { amount: maxAmount + 1, currency: "EUR", schedule: "month" }), 422, "amount")

      // The largest price is fine on its own, but two seats of it would pass the line bound.
      const big = await h.ok("POST", prices, { amount: maxAmount, currency: "EUR", schedule: "month" })
      const plan = await h.ok("POST", "/v1/plans", { name: "Big", code_name: "big", product: product.id, prices: [big.id], per_seat: true })
      expectProblem(await h.call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, seats: 2 }), 422, "seats")
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, seats: 1 })
      expect(sub.status).toBe("active")
      expectProblem(await h.call("POST", `/v1/subscriptions/${sub.id}/seats/add`, { seats: 1 }), 422, "seats")
      // …and it renews: the seats that were refused can never make a period unpriceable.
      await h.advance("2024-02-01T00:00:00Z")
      expect((await h.subscription(sub.id)).current_period_start).toBe("2024-02-01T00:00:00.000Z")

      const oneOff = (lines: ReadonlyArray<Record<string, unknown>>) => h.call("POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines })
      expectProblem(await oneOff([{ description: "a", unit_amount: 9007199254740991 }]), 422, "lines[0].unit_amount")
      expectProblem(await oneOff([{ description: "a", unit_amount: 1, quantity: "1e30" }]), 422, "lines[0].quantity")
      expectProblem(await oneOff([{ description: "a", unit_amount: 1, quantity: 2 ** 53 }]), 422, "lines[0].quantity")
      expectProblem(await oneOff([{ description: "a", unit_amount: 10, quantity: "999999999999" }]), 422, "lines[0].quantity")
      expectProblem(await oneOff([{ description: "a", unit_amount: 1, quantity: "0.0000000000001" }]), 422, "lines[0].quantity")
      const huge = await oneOff([{ description: "a", unit_amount: 1, quantity: "9".repeat(100_000) }])
      expectProblem(huge, 422, "lines[0].quantity")
      expect(JSON.stringify(huge.json).length).toBeLessThan(2_000)

      // Two maximal lines, one with 21 % tax: exact to the minor unit.
      const invoice = await h.ok("POST", "/v1/invoices", {
        customer: customer.id,
        currency: "EUR",
        lines: [{ description: "a", unit_amount: maxAmount, tax_rate: "21" }, { description: "b", unit_amount: maxAmount, tax_rate: "0" }]
      })
      // 999999999999 × 0.21 = 209999999999.79 → 209999999999.79 rounds to 210000000000.
      expect(invoice.tax_total).toBe(210_000_000_000)
      expect(invoice.total).toBe(2 * maxAmount + 210_000_000_000)
    })

    it("refuses usage prices and usage that no invoice could carry, so costs, previews and renewals always answer", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan, product } = await h.catalog({ currency: "EUR", amount: 1000 })
      await metric(h, { code: "gb", name: "Storage", aggregation_method: "sum", aggregation_property: "gb" })
      expectProblem(await h.call("POST", `/v1/products/${product.id}/prices`, {
        currency: "EUR", schedule: "month", metric: "gb", charge_model: "per_unit", unit_amount_decimal: "99999999999999999999"
      }), 422, "unit_amount_decimal")
      expectProblem(await h.call("POST", `/v1/products/${product.id}/prices`, {
        currency: "EUR", schedule: "month", metric: "gb", charge_model: "graduated", tiers: [{ up_to: null, unit_amount_decimal: "1", flat_amount: 9007199254740991 }]
      }), 422, "tiers[0].flat_amount")
      await usagePrice(h, plan, { schedule: "month", metric: "gb", charge_model: "per_unit", unit_amount_decimal: String(maxAmount) })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })

      await h.ok("POST", "/v1/usage-events", { event_id: "one", customer: customer.id, code: "gb", properties: { gb: 1 } })
      // One more GB would cost 2 × 999999999999: refused, and the batch with it stored nothing.
      expectProblem(await h.call("POST", "/v1/usage-events", { event_id: "two", customer: customer.id, code: "gb", properties: { gb: 1 } }), 422, "value")
      expectProblem(await h.call("POST", "/v1/usage-events", {
        events: [{ event_id: "three", customer: customer.id, code: "gb", properties: { gb: "0.5" } }, { event_id: "four", subscription: sub.id, code: "gb", properties: { gb: "1e3" } }]
      }), 422, "events")
      expect((await h.ok("GET", "/v1/usage-events")).data.map((e: any) => e.event_id)).toEqual(["one"])

      const costs = await h.ok("GET", `/v1/customers/${customer.id}/costs`)
      expect(costs.totals[0].amount).toBe(maxAmount)
      const upcoming = await h.ok("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)
      expect(upcoming.total).toBe(maxAmount + 1000)
      await h.advance("2024-02-01T00:00:00Z")
      expect((await h.subscription(sub.id)).current_period_start).toBe("2024-02-01T00:00:00.000Z")
      const invoices = await h.invoicesOf(sub.id)
      expect(invoices.map((i) => i.total)).toEqual([1000, maxAmount + 1000])
    })
  })
}
