/**
 * Entitlement checks on memory storage: the shared conformance suite, the cache's invalidation
 * rules (after commit, after rollback, never a computation that overlapped a commit), the version
 * row, and a property: after any sequence of writes, the cached answer equals a fresh recomputation.
 */
import { Clock, Effect, Option } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Collections, fixedClock, makeMemoryStorage, type StoredRecord, type Tenant } from "@billkit/core"
import { entitlementsConformance } from "@billkit/testing"
import { EntitlementCache } from "../src/entitlements/EntitlementCache.js"
import { readVersion, trackEntitlementChanges } from "../src/entitlements/TrackedStorage.js"
import type { EntitlementCheck } from "../src/entitlements/domain/Entitlement.js"
import { makeApp, memoryUnderTest } from "./support.js"

entitlementsConformance("memory", memoryUnderTest)

const tenant: Tenant = { projectId: "proj_1", mode: "test" }
const answer: EntitlementCheck = {
  object: "entitlement_check", customer: "cus_1", feature: "api", allowed: true, reason: "ok", limit: null, used: null, remaining: null
}
const subscriptionRow = (customer: string): StoredRecord => ({ id: `sub_${customer}`, data: { id: `sub_${customer}` }, index: { customer } })
const rollupRow = (customer: string): StoredRecord => ({ id: `ur_${customer}`, data: { id: `ur_${customer}` }, index: { key: `k_${customer}`, customer } })

const setup = (shared = false) => {
  let now = 1_000
  const cache = new EntitlementCache({ now: () => now, shared, versionCheckMs: 100 })
  const storage = trackEntitlementChanges(makeMemoryStorage(), cache)
  const fill = (customer = "cus_1") => {
    if (shared) cache.versionSeen(tenant, Effect.runSync(readVersion(storage, tenant)), now)
    expect(cache.put(tenant, customer, "api", { ...answer, customer }, Infinity, cache.stamp(tenant, customer))).toBe(true)
  }
  return { cache, storage, fill, tick: (ms: number) => { now += ms } }
}

describe("the entitlement cache's invalidation", () => {
  it("drops a customer's answers only once the writing transaction has ended, committed or rolled back", async () => {
    const { cache, storage, fill } = setup()
    fill("cus_1")
    fill("cus_2")
    let seenInside: unknown
    await Effect.runPromise(storage.withTransaction(Effect.gen(function*() {
      yield* storage.insert(Collections.Subscriptions, tenant, subscriptionRow("cus_1"))
      seenInside = cache.get(tenant, "cus_1", "api")
    })))
    // Inside, the write had not committed: other readers could still see the old state.
    expect(seenInside).toEqual(answer)
    expect(cache.get(tenant, "cus_1", "api")).toBeUndefined()
    expect(cache.get(tenant, "cus_2", "api")).toEqual({ ...answer, customer: "cus_2" })

    fill("cus_1")
    const failed = await Effect.runPromiseExit(storage.withTransaction(Effect.zipRight(
      storage.update(Collections.Subscriptions, tenant, subscriptionRow("cus_1")),
      Effect.fail("boom")
    )))
    expect(failed._tag).toBe("Failure")
    expect(cache.get(tenant, "cus_1", "api")).toBeUndefined()
  })

  it("refuses an answer computed across a commit, and drops the whole tenant on a catalog write", async () => {
    const { cache, storage, fill } = setup()
    const stamp = cache.stamp(tenant, "cus_1")
    // A write outside any transaction gets one of its own: invalidated when it returns.
    await Effect.runPromise(storage.insert(Collections.Subscriptions, tenant, subscriptionRow("cus_1")))
    expect(cache.put(tenant, "cus_1", "api", answer, Infinity, stamp)).toBe(false)
    expect(cache.get(tenant, "cus_1", "api")).toBeUndefined()

    fill("cus_1")
    fill("cus_2")
    await Effect.runPromise(storage.insert(Collections.Plans, tenant, { id: "plan_1", data: { id: "plan_1" }, index: {} }))
    expect(cache.get(tenant, "cus_1", "api")).toBeUndefined()
    expect(cache.get(tenant, "cus_2", "api")).toBeUndefined()
    // Another tenant's write leaves this one's answers alone; unrelated collections too.
    fill("cus_1")
    await Effect.runPromise(storage.insert(Collections.Plans, { ...tenant, mode: "live" }, { id: "plan_2", data: { id: "plan_2" }, index: {} }))
    await Effect.runPromise(storage.insert(Collections.Customers, tenant, { id: "cus_3", data: { id: "cus_3" }, index: {} }))
    expect(cache.get(tenant, "cus_1", "api")).toEqual(answer)
  })

  it("on shared storage, bumps the tenant's version in committed transactions only, and not for usage rollups", async () => {
    const { cache, storage, fill, tick } = setup(true)
    const version = () => Effect.runSync(readVersion(storage, tenant))
    fill("cus_1")
    await Effect.runPromise(storage.insert(Collections.Subscriptions, tenant, subscriptionRow("cus_1")))
    expect(version()).toBe(1)
    await Effect.runPromiseExit(storage.withTransaction(Effect.zipRight(
      storage.update(Collections.Subscriptions, tenant, subscriptionRow("cus_1")),
      Effect.fail("boom")
    )))
    expect(version()).toBe(1)
    await Effect.runPromise(storage.insertMany(Collections.UsageRollups, tenant, [rollupRow("cus_1")]))
    expect(version()).toBe(1)

    // Its own bump does not make this process drop its other answers at the next version check.
    fill("cus_2")
    await Effect.runPromise(storage.update(Collections.Subscriptions, tenant, subscriptionRow("cus_1")))
    expect(version()).toBe(2)
    tick(100)
    expect(cache.get(tenant, "cus_2", "api")).toBeUndefined() // the version check is due: no answer yet
    cache.versionSeen(tenant, version(), 1_100)
    expect(cache.get(tenant, "cus_2", "api")).toEqual({ ...answer, customer: "cus_2" })
    // Another process's bump (the row moved by more than this process's own) drops them.
    const row = Option.getOrThrow(Effect.runSync(storage.get(Collections.EntitlementVersions, tenant, `entv_test_proj_1`)))
    await Effect.runPromise(makeMemoryStorageBump(storage, row))
    tick(100)
    cache.versionSeen(tenant, version(), 1_200)
    expect(cache.get(tenant, "cus_2", "api")).toBeUndefined()
  })
})

/** Moves the version row the way another process would: straight in storage, past this cache. */
const makeMemoryStorageBump = (storage: ReturnType<typeof trackEntitlementChanges>, row: Record<string, unknown>) =>
  storage.update(Collections.EntitlementVersions, tenant, {
    id: String(row.id),
    data: { ...row, version: Number(row.version) + 5 },
    index: { name: "entitlements" }
  })

describe("a cached check equals a recomputation", () => {
  it("after any sequence of writes in one process", async () => {
    const start = Date.parse("2024-01-01T00:00:00Z")
    await fc.assert(fc.asyncProperty(
      fc.array(fc.oneof(
        fc.record({ op: fc.constant("subscribe" as const), customer: fc.nat(1), plan: fc.nat(1) }),
        fc.record({ op: fc.constant("cancel" as const), customer: fc.nat(1) }),
        fc.record({ op: fc.constant("grant" as const), plan: fc.nat(1), features: fc.subarray([0, 1, 2]), limit: fc.nat(6) }),
        fc.record({ op: fc.constant("ingest" as const), customer: fc.nat(1), n: fc.integer({ min: 1, max: 4 }) }),
        fc.record({ op: fc.constant("limit" as const), customer: fc.nat(1), amount: fc.integer({ min: 1, max: 8 }) }),
        fc.record({ op: fc.constant("unlimit" as const), customer: fc.nat(1) }),
        fc.record({ op: fc.constant("advance" as const), days: fc.integer({ min: 1, max: 40 }) })
      ), { minLength: 1, maxLength: 8 }),
      async (ops) => {
        const { app, call, projectId } = await makeApp({ clock: fixedClock(start, Clock.make()) })
        const ok = async (method: string, path: string, body?: unknown) => {
          const reply = await call(method, path, body)
          if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status}: ${JSON.stringify(reply.json)}`)
          return reply.json
        }
        try {
          const billing = app.project(projectId)
          const product = await ok("POST", "/v1/products", { name: "P" })
          const price = await ok("POST", `/v1/products/${product.id}/prices`, { amount: 1000, currency: "EUR", schedule: "month" })
          await ok("POST", "/v1/metrics", { code: "calls", name: "Calls", aggregation_method: "count" })
          const usage = await ok("POST", `/v1/products/${product.id}/prices`, { currency: "EUR", metric: "calls", charge_model: "per_unit", unit_amount_decimal: "100" })
          const codes = ["api", "projects", "calls"]
          const features: Array<any> = []
          for (const code of codes) features.push(await ok("POST", "/v1/features", { code, name: code }))
          const plans: Array<any> = []
          for (const i of [0, 1]) {
            plans.push(await ok("POST", "/v1/plans", { name: `Plan ${i}`, code_name: `tier_${i}`, product: product.id, prices: [price.id, usage.id], features: ["api"] }))
          }
          const customers: Array<any> = []
          for (const i of [0, 1]) {
            const c = await ok("POST", "/v1/customers", { email: `c${i}@example.com` })
            await ok("POST", `/v1/customers/${c.id}/payment-methods`, { token: "tok_visa" })
            customers.push(c)
          }
          const subs: Array<Array<string>> = [[], []]
          const limits: Array<Array<string>> = [[], []]
          let events = 0
          const compare = async () => {
            for (const c of customers) {
              for (const code of codes) {
                const cached = await billing.entitlements.check(c.id, code)
                expect(await billing.entitlements.check(c.id, code)).toEqual(cached)
                expect(await billing.entitlements.recompute(c.id, code)).toEqual(cached)
              }
            }
          }
          await compare()
          for (const o of ops) {
            if (o.op === "subscribe") {
              subs[o.customer].push((await ok("POST", `/v1/customers/${customers[o.customer].id}/subscriptions`, { plan: plans[o.plan].id })).id)
            } else if (o.op === "cancel") {
              const id = subs[o.customer].pop()
              if (id !== undefined) await call("POST", `/v1/subscriptions/${id}/cancel`, { when: "instantly" })
            } else if (o.op === "grant") {
              await ok("PATCH", `/v1/plans/${plans[o.plan].id}`, {
                features: o.features.filter((f) => f !== 1).map((f) => features[f].id),
                limits: o.features.includes(1) ? [{ feature: features[1].id, limit: o.limit }, { feature: features[2].id, limit: o.limit }] : []
              })
            } else if (o.op === "ingest") {
              await ok("POST", "/v1/usage-events", { events: Array.from({ length: o.n }, () => ({ event_id: `e${events++}`, customer: customers[o.customer].id, code: "calls" })) })
            } else if (o.op === "limit") {
              const created = await call("POST", `/v1/customers/${customers[o.customer].id}/usage-limits`, { amount: o.amount * 100, currency: "EUR", action: "DISABLE" })
              if (created.status === 201 || created.status === 200) limits[o.customer].push(created.json.id)
            } else if (o.op === "unlimit") {
              const id = limits[o.customer].pop()
              if (id !== undefined) await ok("DELETE", `/v1/customers/${customers[o.customer].id}/usage-limits/${id}`)
            } else {
              await ok("POST", "/v1/test-helpers/clock/advance", { seconds: o.days * 86_400 })
            }
            await compare()
          }
        } finally {
          await app.dispose()
        }
      }
    ), { numRuns: 25 })
  }, 240_000)
})
