/**
 * Entitlement checks on Postgres: the shared conformance suite, and two `billkit()` instances
 * (two processes, each with its own pool and cache) over one database: a change committed by one
 * is seen by the other's cache within `versionCheckMs`, never later, driven here by a clock the
 * test moves.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billkit } from "@billkit/core"
import { makePostgresStorage, type PostgresStorage } from "@billkit/postgres"
import { createTestDatabase, entitlementsConformance, keyedClient, turnedClock, type TestDatabase } from "@billkit/testing"
import { postgresUnderTest } from "./support.js"

entitlementsConformance("postgres", () => postgresUnderTest())

describe("entitlement checks across two processes over one Postgres", () => {
  let database: TestDatabase
  const pools: Array<PostgresStorage> = []

  beforeAll(async () => {
    database = await createTestDatabase()
    for (let i = 0; i < 2; i++) pools.push(makePostgresStorage({ connectionString: database.url }))
    await Promise.all(pools.map((p) => p.migrate()))
  })

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()))
    await database.drop()
  })

  it("see each other's changes within versionCheckMs, and not before", async () => {
    const { clock, advance } = turnedClock(Date.parse("2024-01-01T00:00:00Z"))
    const [a, b] = pools.map((p) => billkit({ storage: p.storage, clock, entitlements: { versionCheckMs: 1000 } }))
    try {
      const { projectId, ok } = await keyedClient(a)
      const product = await ok("POST", "/v1/products", { name: "Pro" })
      const price = await ok("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })
      await ok("POST", "/v1/features", { code: "api_access", name: "API access" })
      const calls = await ok("POST", "/v1/features", { code: "calls", name: "Calls" })
      await ok("POST", "/v1/metrics", { code: "calls", name: "Calls", aggregation_method: "count" })
      const plan = await ok("POST", "/v1/plans", {
        name: "Pro", code_name: "pro", product: product.id, prices: [price.id], features: ["api_access"], limits: [{ feature: calls.id, limit: 2 }]
      })
      const customer = await ok("POST", "/v1/customers", { email: "a@example.com" })
      await ok("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
      const sub = await ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id })

      const inA = a.project(projectId)
      const inB = b.project(projectId)
      expect(await inB.entitlements.check(customer.id, "api_access")).toMatchObject({ allowed: true, reason: "ok" })
      expect(await inB.entitlements.check(customer.id, "calls")).toMatchObject({ allowed: true, reason: "ok", limit: 2, used: 0, remaining: 2 })
      expect(inB.entitlements.checkSync(customer.id, "api_access")).toMatchObject({ reason: "ok" })

      // Usage ingested by A (ingestion never waits on the version row) reaches B through the
      // lifetime of metered answers: versionCheckMs.
      await ok("POST", "/v1/usage-events", { events: [{ event_id: "e1", customer: customer.id, code: "calls" }, { event_id: "e2", customer: customer.id, code: "calls" }] })
      expect(await inA.entitlements.check(customer.id, "calls")).toMatchObject({ reason: "limit_reached", used: 2, remaining: 0 })
      advance(999)
      expect(await inB.entitlements.check(customer.id, "calls")).toMatchObject({ reason: "ok", used: 0 })
      advance(1)
      expect(await inB.entitlements.check(customer.id, "calls")).toMatchObject({ allowed: false, reason: "limit_reached", used: 2, remaining: 0 })

      // A cancels: A sees it at once; B keeps its answer until the version check is due, then drops it.
      await ok("POST", `/v1/subscriptions/${sub.id}/cancel`, { when: "instantly" })
      expect(await inA.entitlements.check(customer.id, "api_access")).toMatchObject({ allowed: false, reason: "no_subscription" })
      advance(999)
      expect(inB.entitlements.checkSync(customer.id, "api_access")).toMatchObject({ allowed: true, reason: "ok" })
      advance(1)
      expect(inB.entitlements.checkSync(customer.id, "api_access")).toBeUndefined()
      expect(await inB.entitlements.check(customer.id, "api_access")).toMatchObject({ allowed: false, reason: "no_subscription" })
      expect(inB.entitlements.checkSync(customer.id, "api_access")).toMatchObject({ reason: "no_subscription" })

      // A plan change made by B reaches A the same way.
      await ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id })
      expect(await inA.entitlements.check(customer.id, "api_access")).toMatchObject({ reason: "ok" })
      await inB.plans.update(plan.id, { features: [] })
      expect(await inB.entitlements.check(customer.id, "api_access")).toMatchObject({ reason: "not_in_plan" })
      expect(await inA.entitlements.check(customer.id, "api_access")).toMatchObject({ reason: "ok" })
      advance(1000)
      expect(await inA.entitlements.check(customer.id, "api_access")).toMatchObject({ allowed: false, reason: "not_in_plan" })
    } finally {
      await Promise.all([a.dispose(), b.dispose()])
    }
  })
})
