/**
 * Entitlement checks, once for every storage backend: boolean features, numeric limits, metered
 * limits, no subscription, canceled, trialing, seats, DISABLE usage limits, and a rolled-back
 * write, with the same exact answers on memory, SQLite and Postgres. Every answer is asked three
 * ways (REST, the façade's cached `check`, and `recompute`, which reads storage past the cache)
 * and the cache is asked again synchronously afterwards: all four must agree after every write.
 */
import { describe, expect, it } from "vitest"
import { scenarioContext } from "./billing/scenarioContext.js"
import type { Harness } from "./billing/harness.js"
import type { StorageUnderTest } from "./conformance/fixtures.js"
import { metric, many, post, usagePrice } from "./usage/helpers.js"

type Answer = { allowed: boolean; reason: string; limit: number | null; used: number | null; remaining: number | null }

const ask = async (h: Harness, customer: string, feature: string, expected: Answer) => {
  const { projectId } = await h.app.bootstrap()
  const billing = h.app.project(projectId)
  const want = { object: "entitlement_check", customer, ...expected }
  const rest = await h.ok("GET", `/v1/customers/${customer}/entitlements/${feature}`)
  expect(rest).toMatchObject(want)
  expect(await billing.entitlements.check(customer, feature)).toEqual(rest)
  expect(await billing.entitlements.recompute(customer, feature)).toEqual(rest)
  expect(billing.entitlements.checkSync(customer, feature)).toEqual(rest)
}

const answer = (allowed: boolean, reason: string, limit: number | null = null, used: number | null = null, remaining: number | null = null): Answer =>
  ({ allowed, reason, limit, used, remaining })

export const entitlementsConformance = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`entitlements conformance: ${name}`, () => {
    const ctx = scenarioContext(`entitlements conformance: ${name}`, make)

    it("answers boolean features and numeric limits of the live plans, and follows every change", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const api = await h.ok("POST", "/v1/features", { code: "api_access", name: "API access" })
      const projects = await h.ok("POST", "/v1/features", { code: "projects", name: "Projects" })
      await h.ok("POST", "/v1/features", { code: "sso", name: "SSO" })
      await h.ok("PATCH", `/v1/plans/${plan.id}`, { features: [api.id], limits: [{ feature: projects.id, limit: 5 }] })
      const customer = await h.customer()

      await ask(h, customer.id, "api_access", answer(false, "no_subscription"))
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      await ask(h, customer.id, "api_access", answer(true, "ok"))
      await ask(h, customer.id, api.id, answer(true, "ok"))
      await ask(h, customer.id, "projects", answer(true, "ok", 5))
      await ask(h, customer.id, "sso", answer(false, "not_in_plan"))

      // A plan change reaches every cached answer of the tenant.
      await h.ok("PATCH", `/v1/plans/${plan.id}`, { features: [api.id], limits: [{ feature: projects.id, limit: 8 }] })
      await ask(h, customer.id, "projects", answer(true, "ok", 8))
      const sso = (await h.ok("GET", "/v1/features?limit=100")).data.find((f: any) => f.code === "sso")
      await h.ok("PATCH", `/v1/plans/${plan.id}`, { features: [api.id, sso.id] })
      await ask(h, customer.id, "sso", answer(true, "ok"))

      // Unknown customers and features are 404s, never cached answers.
      expect((await h.call("GET", `/v1/customers/${customer.id}/entitlements/nope`)).status).toBe(404)
      expect((await h.call("GET", "/v1/customers/cus_missing/entitlements/api_access")).status).toBe(404)

      await h.ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "instantly" })
      await ask(h, customer.id, "api_access", answer(false, "no_subscription"))
    })

    it("answers a trialing subscription like an active one, and limits do not scale with seats", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000, trialDays: 14, perSeat: true })
      const projects = await h.ok("POST", "/v1/features", { code: "projects", name: "Projects" })
      await h.ok("PATCH", `/v1/plans/${plan.id}`, { limits: [{ feature: projects.id, limit: 5 }] })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name, seats: 3 })
      expect(sub.status).toBe("trialing")
      await ask(h, customer.id, "projects", answer(true, "ok", 5))
      await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/add`, { seats: 2 })
      await ask(h, customer.id, "projects", answer(true, "ok", 5))
      // The trial ends (the test clock moves: every answer of the tenant is dropped).
      await h.advance("2024-01-20T00:00:00Z")
      expect((await h.subscription(sub.id)).status).toBe("active")
      await ask(h, customer.id, "projects", answer(true, "ok", 5))
    })

    it("counts metered features from this period's usage, and ingestion that crosses the limit refuses at once", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const calls = await h.ok("POST", "/v1/features", { code: "calls", name: "API calls" })
      await h.ok("PATCH", `/v1/plans/${plan.id}`, { limits: [{ feature: calls.id, limit: 3 }] })
      const customer = await h.customer()
      await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })

      // Not metered until a metric with the feature's code exists.
      await ask(h, customer.id, "calls", answer(true, "ok", 3))
      await metric(h, { code: "calls", name: "Calls", aggregation_method: "count" })
      await ask(h, customer.id, "calls", answer(true, "ok", 3, 0, 3))
      await post(h, many(customer.id, "calls", 2, "a"))
      await ask(h, customer.id, "calls", answer(true, "ok", 3, 2, 1))
      await post(h, many(customer.id, "calls", 1, "b"))
      await ask(h, customer.id, "calls", answer(false, "limit_reached", 3, 3, 0))
      await post(h, many(customer.id, "calls", 2, "c"))
      await ask(h, customer.id, "calls", answer(false, "limit_reached", 3, 5, 0))
      // A new period starts from zero.
      await h.advance("2024-02-01T00:00:00Z")
      await ask(h, customer.id, "calls", answer(true, "ok", 3, 0, 3))
      // A higher limit on the plan lifts it.
      await post(h, many(customer.id, "calls", 3, "d"))
      await ask(h, customer.id, "calls", answer(false, "limit_reached", 3, 3, 0))
      await h.ok("PATCH", `/v1/plans/${plan.id}`, { limits: [{ feature: calls.id, limit: 10 }] })
      await ask(h, customer.id, "calls", answer(true, "ok", 10, 3, 7))
    })

    it("disables every feature while a DISABLE usage limit is reached, and a rolled-back ingestion changes nothing", async () => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const api = await h.ok("POST", "/v1/features", { code: "api_access", name: "API access" })
      await h.ok("PATCH", `/v1/plans/${plan.id}`, { features: [api.id] })
      await metric(h, { code: "tokens", name: "Tokens", aggregation_method: "sum", aggregation_property: "tokens" })
      await usagePrice(h, plan, { metric: "tokens", charge_model: "per_unit", unit_amount_decimal: "100" }) // 1 EUR a token
      const customer = await h.customer()
      await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      const limit = await h.ok("POST", `/v1/customers/${customer.id}/usage-limits`, { amount: 1000, action: "DISABLE" })
      await ask(h, customer.id, "api_access", answer(true, "ok"))

      // Too costly to invoice: the whole batch rolls back (its rollup writes included).
      const refused = await h.call("POST", "/v1/usage-events", {
        events: [{ event_id: "huge", customer: customer.id, code: "tokens", value: "99999999999999" }]
      })
      expect(refused.status).toBe(422)
      await ask(h, customer.id, "api_access", answer(true, "ok"))

      await post(h, [{ event_id: "t1", customer: customer.id, code: "tokens", value: 9 }])
      await ask(h, customer.id, "api_access", answer(true, "ok"))
      await post(h, [{ event_id: "t2", customer: customer.id, code: "tokens", value: 1 }]) // 10 EUR: reached
      await ask(h, customer.id, "api_access", answer(false, "disabled"))
      await h.ok("DELETE", `/v1/customers/${customer.id}/usage-limits/${limit.id}`)
      await ask(h, customer.id, "api_access", answer(true, "ok"))
    })
  })
}
