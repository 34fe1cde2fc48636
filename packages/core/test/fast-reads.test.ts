/**
 * The short path for plain retrieves (src/FastReads.ts) must be invisible: two handlers over one
 * storage, one with it and one without (`fastReads: false`), get the same requests and must give
 * the same answers — status, headers (but the request id) and body — for every retrieve route,
 * with every kind of key: allowed, narrower, publishable, another project's, unknown, revoked,
 * rate-limited. Runs on memory and SQLite.
 */
import { billkit, Collections, makeMemoryStorage, type Json, type StoragePort } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { keyedClient, sendTo, type Reply } from "@billkit/testing"
import { Effect, Tracer } from "effect"
import { describe, expect, it } from "vitest"

const backends: Array<[string, () => Promise<StoragePort>]> = [
  ["memory", async () => makeMemoryStorage()],
  ["sqlite", async () => {
    const sqlite = makeSqliteStorage({ filename: ":memory:" })
    await sqlite.migrate()
    return sqlite.storage
  }]
]

/** What a client can observe of an answer, the request id aside (it is new on every request). */
const observed = (reply: Reply) => {
  const headers = Object.fromEntries([...reply.headers].filter(([name]) => name !== "request-id"))
  const id = reply.json?.request_id
  // A 500's detail quotes the request id too.
  const detail = typeof reply.json?.detail === "string" && id !== undefined ? reply.json.detail.replace(id, "…") : reply.json?.detail
  const body = reply.json === undefined ? reply.text : { ...reply.json, request_id: id === undefined ? undefined : "…", detail }
  return { status: reply.status, headers, body }
}

describe.each(backends)("fast reads answer as the full stack does (%s)", (_name, makeStorage) => {
  const setUp = async (basePath = "") => {
    const storage = await makeStorage()
    // Hour windows: a second's boundary between the two handlers' answers cannot move a counter.
    const defaultRateLimits = [{ window: "hour" as const, max: 100_000 }]
    const fast = billkit({ storage, basePath, defaultRateLimits })
    const full = billkit({ storage, basePath, defaultRateLimits, fastReads: false })
    const base = `http://billkit.test${basePath}`
    const { call, projectId } = await keyedClient(fast, base)
    const other = await fast.createProject("Other")
    const sendFast = sendTo(fast, base)
    const sendFull = sendTo(full, base)
    const ok = async (method: string, path: string, body?: unknown) => {
      const reply = await call(method, path, body)
      expect(reply.status, `${method} ${path}: ${reply.text}`).toBeLessThan(300)
      return reply.json
    }
    /** Sends one GET to both handlers and requires the same answer; returns it. */
    const both = async (key: string | undefined, path: string, headers?: Record<string, string>) => {
      const a = await sendFast(key, "GET", path, undefined, headers)
      const b = await sendFull(key, "GET", path, undefined, headers)
      expect(observed(a), `GET ${path}`).toEqual(observed(b))
      return a
    }
    // The bootstrap key seeds through one handler only; comparisons use a key both count alike.
    const admin = await ok("POST", "/v1/api-keys", { name: "admin", type: "secret", scopes: ["*"] })
    return { fast, full, key: admin.secret as string, other, ok, both, storage, tenant: { projectId, mode: "test" as const } }
  }

  /** One record behind every route the short path takes. */
  const seed = async (ok: (method: string, path: string, body?: unknown) => Promise<any>) => {
    // Not ASCII: the short path declares the UTF-8 length of a string body (kernel/Utf8.ts).
    const customer = await ok("POST", "/v1/customers", { email: "ada@example.com", name: "Ada — Zoë 😀" })
    const product = await ok("POST", "/v1/products", { name: "Pro" })
    const price = await ok("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })
    const feature = await ok("POST", "/v1/features", { code: "api_access", name: "API access" })
    const metric = await ok("POST", "/v1/metrics", { code: "calls", name: "Calls", aggregation_method: "count" })
    const voucher = await ok("POST", "/v1/vouchers", { code: "TEN", type: "percentage", percentage: "10", duration: "once" })
    const plan = await ok("POST", "/v1/plans", { name: "Pro", code_name: "pro", product: product.id, prices: [price.id] })
    await ok("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
    const subscription = await ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
    const invoices = await ok("GET", `/v1/invoices?customer=${customer.id}`)
    const payments = await ok("GET", "/v1/payments")
    const events = await ok("GET", "/v1/events")
    return [
      `/v1/customers/${customer.id}`,
      `/v1/products/${product.id}`,
      `/v1/features/${feature.id}`,
      `/v1/metrics/${metric.id}`,
      `/v1/vouchers/${voucher.id}`,
      `/v1/subscriptions/${subscription.id}`,
      `/v1/invoices/${invoices.data[0].id}`,
      `/v1/payments/${payments.data[0].id}`,
      `/v1/events/${events.data[0].id}`
    ]
  }

  it("answers every retrieve route alike, for every kind of caller", async () => {
    const { key, other, ok, both } = await setUp()
    const paths = await seed(ok)
    const narrow = await ok("POST", "/v1/api-keys", { name: "customers only", type: "secret", scopes: ["customers:read"] })
    const writer = await ok("POST", "/v1/api-keys", { name: "customers write", type: "secret", scopes: ["customers:write"] })
    const publishable = await ok("POST", "/v1/api-keys", { name: "browser", type: "publishable" })
    for (const path of paths) {
      expect((await both(key, path)).status, path).toBe(200)
      expect((await both(undefined, path)).status).toBe(401)
      expect((await both("sk_test_unknown", path)).status).toBe(401)
      expect((await both(other.testKey, path)).status).toBe(404) // another project's record
      expect((await both(other.liveKey, path)).status).toBe(404)
      expect((await both(publishable.secret, path)).status).toBe(403)
      expect((await both(narrow.secret, path)).status).toBe(path.startsWith("/v1/customers/") ? 200 : 403)
      expect((await both(writer.secret, path)).status).toBe(path.startsWith("/v1/customers/") ? 200 : 403)
      expect((await both(key, `${path}x`)).status).toBe(404)
      expect((await both(key, `${path}?expand=nothing`)).status).toBeGreaterThanOrEqual(200)
      expect((await both(key, path, { authorization: `Basic ${key}` })).status).toBe(401)
    }
    expect((await both(key, "/v1/customers/cus%00nul")).status).toBe(404)
  })

  it("answers a row written before some of its keys existed as the full stack does, defaults filled", async () => {
    const { key, ok, both, storage, tenant } = await setUp()
    const customer = await ok("POST", "/v1/customers", { email: "old@example.com", name: "Old" })
    // Once, so that the key is cached and SQLite's short path answers from plain code next time.
    await both(key, `/v1/customers/${customer.id}`)
    // As a version before provider links wrote it: no `connection`, no `provider_ids`.
    const { connection: _connection, provider_ids: _providerIds, ...older } = customer
    const index = { email: "old@example.com", country: null, reference: null, external_reference: null, company_name: null, status: "active" }
    await Effect.runPromise(storage.update(Collections.Customers, tenant, { id: customer.id, data: older as Json, index }))
    const reply = await both(key, `/v1/customers/${customer.id}`)
    expect(reply.status).toBe(200)
    expect(reply.json).toMatchObject({ connection: null, provider_ids: null })
  })

  it("answers a row that no longer decodes as the full stack does", async () => {
    const { key, ok, both, storage, tenant } = await setUp()
    const customer = await ok("POST", "/v1/customers", { email: "bad@example.com", name: "Bad" })
    await both(key, `/v1/customers/${customer.id}`)
    const index = { email: "bad@example.com", country: null, reference: null, external_reference: null, company_name: null, status: "active" }
    await Effect.runPromise(storage.update(Collections.Customers, tenant, { id: customer.id, data: { ...customer, email: 12 } as Json, index }))
    const reply = await both(key, `/v1/customers/${customer.id}`)
    expect(reply.status).toBe(500)
  })

  it("refuses a revoked key at once", async () => {
    const { ok, both, fast } = await setUp()
    const [customerPath] = await seed(ok)
    const reader = await ok("POST", "/v1/api-keys", { name: "reader", type: "secret", scopes: ["customers:read"] })
    expect((await both(reader.secret, customerPath!)).status).toBe(200)
    await ok("DELETE", `/v1/api-keys/${reader.id}`)
    const reply = await sendTo(fast)(reader.secret, "GET", customerPath!)
    expect(reply.status).toBe(401)
  })

  it("counts each request once and answers the 429 alike, under a base path", async () => {
    const { ok, both } = await setUp("/billing")
    const [customerPath] = await seed(ok)
    // Each handler counts in its own process memory here (memory and SQLite storage): the two
    // counters move in step, so the answers must match request for request.
    const limited = await ok("POST", "/v1/api-keys", { name: "slow", type: "secret", scopes: ["customers:read"], rate_limits: [{ window: "hour", max: 3 }] })
    const statuses = []
    for (let i = 0; i < 3; i++) statuses.push((await both(limited.secret, customerPath!)).status)
    statuses.push((await both(limited.secret, "/v1/customers/cus_missing")).status)
    const last = await both(limited.secret, customerPath!)
    statuses.push(last.status)
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    expect(last.json.instance).toBe(`/billing${customerPath}`)
    expect(last.headers.get("x-ratelimit-remaining")).toBe("0")
    expect(last.headers.get("retry-after")).not.toBeNull()
  })
})

describe("fast reads", () => {
  /** The spans one GET makes: the full stack opens an `http.server` span, the short path none. */
  const spansOf = async (fastReads: boolean, storage: StoragePort = makeMemoryStorage()) => {
    const names: Array<string> = []
    const native = Effect.runSync(Effect.tracer)
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        names.push(name)
        return native.span(name, parent, context, links, startTime, kind, options)
      },
      context: (f) => f()
    })
    const { call } = await keyedClient(billkit({ storage, tracer, fastReads }))
    const customer = (await call("POST", "/v1/customers", { email: "ada@example.com" })).json
    names.length = 0
    expect((await call("GET", `/v1/customers/${customer.id}`)).status).toBe(200)
    return names
  }

  it("takes the short path for a plain retrieve, and the full stack when turned off", async () => {
    expect((await spansOf(true)).some((n) => n.startsWith("http.server"))).toBe(false)
    expect((await spansOf(false)).some((n) => n.startsWith("http.server"))).toBe(true)
  })

  it("answers from plain code on SQLite once the key is cached: no fiber, so no span at all", async () => {
    const sqlite = makeSqliteStorage({ filename: ":memory:" })
    await sqlite.migrate()
    // On memory storage the short path runs a fiber, whose service calls make spans.
    expect(await spansOf(true)).toContain("Customers.get")
    expect(await spansOf(true, sqlite.storage)).toEqual([])
    await sqlite.close()
  })
})
