/** API.md §1: auth, tenancy, problem documents, rate limits, idempotency, pagination, expand, metadata. */
import { describe, expect, it } from "vitest"
import { makeApp, seedCatalog } from "./support.js"

describe("auth", () => {
  it("answers 401 problem documents for a missing, malformed, unknown or revoked key", async () => {
    const { call, request } = await makeApp()
    for (const reply of [
      await request(undefined, "GET", "/v1/customers"),
      await request("sk_test_doesnotexist0000000000", "GET", "/v1/customers"),
      await call("GET", "/v1/customers", undefined, { authorization: "Basic abc" })
    ]) {
      expect(reply.status).toBe(401)
      expect(reply.headers.get("content-type")).toBe("application/problem+json")
      expect(reply.json).toMatchObject({ type: "urn:billkit:error:unauthorized", status: 401, title: "Unauthorized", instance: "/v1/customers" })
      expect(reply.json.request_id).toBe(reply.headers.get("request-id"))
    }
    const created = await call("POST", "/v1/api-keys", { name: "temporary" })
    expect(created.status).toBe(201)
    expect(created.json.secret).toMatch(/^sk_test_[0-9a-f]{48}$/)
    expect((await request(created.json.secret, "GET", "/v1/customers")).status).toBe(200)
    expect((await call("DELETE", `/v1/api-keys/${created.json.id}`)).json.status).toBe("revoked")
    expect((await request(created.json.secret, "GET", "/v1/customers")).status).toBe(401)
  })

  it("stores keys hashed and never lists their secrets", async () => {
    const { call, key } = await makeApp()
    const list = await call("GET", "/v1/api-keys")
    expect(list.text).not.toContain(key)
    expect(list.json.data[0]).not.toHaveProperty("secret")
    expect(list.json.data[0]).not.toHaveProperty("hash")
    expect(list.json.data[0].redacted).toBe(`${key.slice(0, 8)}…${key.slice(-4)}`)
  })

  it("answers 403 when a scope or the key type does not allow the call", async () => {
    const { call, request } = await makeApp()
    const reader = (await call("POST", "/v1/api-keys", { name: "reader", scopes: ["customers:read"] })).json.secret
    expect((await request(reader, "GET", "/v1/customers")).status).toBe(200)
    const denied = await request(reader, "POST", "/v1/customers", { email: "a@example.com" })
    expect(denied.status).toBe(403)
    expect(denied.json.detail).toContain("customers:write")
    expect((await request(reader, "GET", "/v1/products")).status).toBe(403)

    const { price } = await seedCatalog(call)
    const hidden = await call("POST", `/v1/products/${price.product}/prices`, { amount: 100, currency: "EUR", public: false })
    const publishable = (await call("POST", "/v1/api-keys", { name: "web", type: "publishable" })).json.secret
    expect(publishable).toMatch(/^pk_test_/)
    const prices = await request(publishable, "GET", "/v1/prices")
    expect(prices.status).toBe(200)
    expect(prices.json.data.map((p: { id: string }) => p.id)).toEqual([price.id])
    expect(prices.json.data.map((p: { id: string }) => p.id)).not.toContain(hidden.json.id)
    expect((await request(publishable, "GET", "/v1/plans")).status).toBe(200)
    expect((await request(publishable, "GET", "/v1/customers")).status).toBe(403)
    expect((await request(publishable, "POST", "/v1/products", { name: "x" })).status).toBe(403)
  })

  it("lets a host replace key auth with its own authenticate function", async () => {
    const { billkit } = await import("@billkit/core")
    const { projectId, storage, call } = await makeApp()
    await call("POST", "/v1/customers", { email: "a@example.com" })
    const hosted = billkit({
      storage,
      authenticate: async (req) =>
        req.headers.get("x-session") === "valid" ? { projectId, mode: "test", scopes: ["customers:read"], keyType: "secret" } : null
    })
    const get = (headers: Record<string, string>) => hosted.handler(new Request("http://host.test/v1/customers", { headers }))
    const ok = await get({ "x-session": "valid" })
    expect(ok.status).toBe(200)
    expect((await ok.json()).data[0].email).toBe("a@example.com")
    expect((await get({ "x-session": "forged" })).status).toBe(401)
    const write = await hosted.handler(new Request("http://host.test/v1/customers", {
      method: "POST", headers: { "x-session": "valid", "content-type": "application/json" }, body: "{\"email\":\"b@example.com\"}"
    }))
    expect(write.status).toBe(403)
  })
})

describe("tenancy", () => {
  it("hides every record of another project or mode behind a 404", async () => {
    const { app, call, request } = await makeApp()
    const other = await app.createProject("Other")
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const { plan, price } = await seedCatalog(call)
    for (const key of [other.testKey, other.liveKey]) {
      for (const path of [`/v1/customers/${customer.id}`, `/v1/plans/${plan.id}`, "/v1/plans/pro_monthly", `/v1/prices/${price.id}`, `/v1/products/${price.product}`]) {
        const reply = await request(key, "GET", path)
        expect(reply.status, `${path}`).toBe(404)
        expect(reply.json.type).toBe("urn:billkit:error:not_found")
      }
      expect((await request(key, "PATCH", `/v1/customers/${customer.id}`, { name: "x" })).status).toBe(404)
      expect((await request(key, "GET", "/v1/customers")).json.data).toEqual([])
      // Unique values are per project and mode: the same email is free elsewhere.
      expect((await request(key, "POST", "/v1/customers", { email: "a@example.com" })).status).toBe(201)
    }
    const live = await request(other.liveKey, "POST", "/v1/customers", { email: "b@example.com" })
    expect(live.status).toBe(201)
    expect((await request(other.testKey, "GET", `/v1/customers/${live.json.id}`)).status).toBe(404)
  })
})

describe("problem documents", () => {
  it("name the field on validation errors and write nothing", async () => {
    const { call } = await makeApp()
    const reply = await call("POST", "/v1/customers", { email: "not-an-email", address: { country: "Germany" } })
    expect(reply.status).toBe(422)
    expect(reply.headers.get("content-type")).toBe("application/problem+json")
    expect(reply.json.type).toBe("urn:billkit:error:validation")
    expect(reply.json.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(["email", "address.country"]))
    expect((await call("GET", "/v1/customers")).json.data).toEqual([])
  })

  it("give one error per field: a bad enum value lists the choices, an optional field is not also 'expected undefined'", async () => {
    const { call } = await makeApp()
    expect((await call("GET", "/v1/customers?limit=0")).json.errors).toEqual([{ field: "limit", message: "must be an integer from 1 to 100" }])
    expect((await call("GET", "/v1/invoices?status=bogus")).json.errors).toEqual([
      { field: "status", message: 'must be one of "draft", "open", "paid", "void", "uncollectible"; got "bogus"' }
    ])
  })

  it("treats an empty POST body as {} and bad JSON as 400", async () => {
    const { call } = await makeApp()
    const empty = await call("POST", "/v1/customers", "")
    expect(empty.status).toBe(422)
    expect(empty.json.errors).toEqual([{ field: "email", message: "is missing" }])
    const bad = await call("POST", "/v1/customers", "{\"email\":")
    expect(bad.status).toBe(400)
    expect(bad.json.detail).toContain("not valid JSON")
  })

  it("answers 400 for bad query values and 404 for unknown routes", async () => {
    const { call } = await makeApp()
    for (const query of ["limit=0", "limit=101", "limit=abc", "include_total=maybe", "starting_after=a&ending_before=b"]) {
      const reply = await call("GET", `/v1/customers?${query}`)
      expect(reply.status, query).toBe(400)
      expect(reply.json.errors.length, query).toBeGreaterThan(0)
    }
    expect((await call("GET", "/v1/nothing-here")).status).toBe(404)
  })

  it("checks metadata limits", async () => {
    const { call } = await makeApp()
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]))
    const many = await call("POST", "/v1/customers", { email: "a@example.com", metadata: tooMany })
    expect(many.status).toBe(422)
    expect(many.json.errors[0]).toEqual({ field: "metadata", message: "may have at most 50 keys" })
    const long = await call("POST", "/v1/products", { name: "P", metadata: { note: "x".repeat(501) } })
    expect(long.status).toBe(422)
    expect(long.json.errors[0].field).toBe("metadata")
    const ok = await call("POST", "/v1/products", { name: "P", metadata: { note: "x".repeat(500) } })
    expect(ok.status).toBe(201)
  })

  it("carries Request-Id on every response", async () => {
    const { call } = await makeApp()
    const ok = await call("GET", "/v1/customers")
    const failed = await call("GET", "/v1/customers/cus_missing")
    expect(ok.headers.get("request-id")).toMatch(/^req_/)
    expect(failed.headers.get("request-id")).toMatch(/^req_/)
    expect(ok.headers.get("request-id")).not.toBe(failed.headers.get("request-id"))
  })
})

describe("rate limits", () => {
  it("counts per key, reports the tightest window and answers 429 with Retry-After", async () => {
    const { call, request } = await makeApp({ defaultRateLimits: [{ window: "minute", max: 3 }] })
    const first = await call("GET", "/v1/customers")
    expect(first.headers.get("x-ratelimit-limit")).toBe("3")
    expect(first.headers.get("x-ratelimit-remaining")).toBe("2")
    expect(Number(first.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000 - 1)
    await call("GET", "/v1/customers")
    await call("GET", "/v1/customers")
    const limited = await call("GET", "/v1/customers")
    expect(limited.status).toBe(429)
    expect(limited.json.type).toBe("urn:billkit:error:rate_limited")
    const retryAfter = Number(limited.headers.get("retry-after"))
    expect(retryAfter).toBeGreaterThanOrEqual(1)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0")
  })

  it("applies a key's own limits: 60 per minute and 1,000 per hour report the minute window", async () => {
    const { call, request } = await makeApp({ defaultRateLimits: [{ window: "second", max: 1000 }] })
    const key = (await call("POST", "/v1/api-keys", {
      name: "metered",
      rate_limits: [{ window: "minute", max: 60 }, { window: "hour", max: 1000 }]
    })).json.secret
    const reply = await request(key, "GET", "/v1/customers")
    expect(reply.headers.get("x-ratelimit-limit")).toBe("60")
    expect(reply.headers.get("x-ratelimit-remaining")).toBe("59")
    const tight = (await call("POST", "/v1/api-keys", { name: "tight", rate_limits: [{ window: "hour", max: 1 }] })).json.secret
    expect((await request(tight, "GET", "/v1/customers")).status).toBe(200)
    expect((await request(tight, "GET", "/v1/customers")).status).toBe(429)
    // Another key of the same project is not affected.
    expect((await request(key, "GET", "/v1/customers")).status).toBe(200)
  })
})

describe("idempotency", () => {
  it("replays the first response byte for byte, refuses another body and a request in flight", async () => {
    const { call, projectId, storage } = await makeApp()
    const first = await call("POST", "/v1/customers", { email: "a@example.com" }, { "idempotency-key": "k1" })
    const again = await call("POST", "/v1/customers", { email: "a@example.com" }, { "idempotency-key": "k1" })
    expect(first.status).toBe(201)
    expect(again.status).toBe(201)
    expect(again.text).toBe(first.text)
    expect(again.headers.get("idempotent-replayed")).toBe("true")
    expect(first.headers.get("idempotent-replayed")).toBeNull()
    expect((await call("GET", "/v1/customers?include_total=true")).json.total).toBe(1)

    const other = await call("POST", "/v1/customers", { email: "b@example.com" }, { "idempotency-key": "k1" })
    expect(other.status).toBe(422)
    expect(other.json.errors[0].field).toBe("Idempotency-Key")

    // A body that fails validation never reached the operation: nothing is kept (as at Stripe),
    // so the retry runs again and the corrected body may use the same key.
    const invalid = await call("POST", "/v1/customers", { email: "nope" }, { "idempotency-key": "k2" })
    const invalidAgain = await call("POST", "/v1/customers", { email: "nope" }, { "idempotency-key": "k2" })
    expect(invalid.status).toBe(422)
    expect(invalidAgain.status).toBe(422)
    expect(invalidAgain.headers.get("idempotent-replayed")).toBeNull()
    expect((await call("POST", "/v1/customers", { email: "fixed@example.com" }, { "idempotency-key": "k2" })).status).toBe(201)

    // Another process holds the key (idempotency keys belong to the API key) and has not answered yet.
    const keyId = (await call("GET", "/v1/api-keys")).json.data[0].id
    const body = JSON.stringify({ email: "c@example.com" })
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`POST /v1/customers\n${body}`))
    const fingerprint = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")
    const now = Date.now()
    const { Effect } = await import("effect")
    await Effect.runPromise(storage.idempotency.claim({
      scope: `${projectId}:test:${keyId}`, key: "k3", fingerprint, now, expiresAt: now + 60_000, staleBefore: now - 60_000
    }))
    const inFlight = await call("POST", "/v1/customers", body, { "idempotency-key": "k3" })
    expect(inFlight.status).toBe(409)
    expect((await call("GET", "/v1/customers?email=c@example.com")).json.data).toEqual([])
  })
})

describe("pagination", () => {
  it("walks forward and back by cursor, with has_more exact at the edges and totals on request", async () => {
    const { call } = await makeApp()
    const ids: Array<string> = []
    for (let i = 0; i < 7; i++) ids.push((await call("POST", "/v1/customers", { email: `c${i}@example.com`, address: { country: i % 2 ? "DE" : "FR" } })).json.id)
    expect(ids).toEqual(ids.slice().sort())

    const p1 = (await call("GET", "/v1/customers?limit=3")).json
    expect(p1.data.map((c: { id: string }) => c.id)).toEqual(ids.slice(0, 3))
    expect(p1).toMatchObject({ object: "list", has_more: true, next_cursor: ids[2] })
    expect(p1).not.toHaveProperty("total")
    const p2 = (await call("GET", `/v1/customers?limit=3&starting_after=${p1.next_cursor}`)).json
    expect(p2.data.map((c: { id: string }) => c.id)).toEqual(ids.slice(3, 6))
    const p3 = (await call("GET", `/v1/customers?limit=3&starting_after=${p2.next_cursor}&include_total=true`)).json
    expect(p3).toMatchObject({ has_more: false, next_cursor: null, total: 7 })
    expect(p3.data.map((c: { id: string }) => c.id)).toEqual([ids[6]])

    const back = (await call("GET", `/v1/customers?limit=2&ending_before=${ids[5]}`)).json
    expect(back.data.map((c: { id: string }) => c.id)).toEqual([ids[3], ids[4]])
    expect(back).toMatchObject({ has_more: true, next_cursor: ids[3] })

    const german = (await call("GET", "/v1/customers?country=de&include_total=true")).json
    expect(german.total).toBe(3)
    expect(german.data.every((c: { address: { country: string } }) => c.address.country === "DE")).toBe(true)
  })
})

describe("expand", () => {
  it("inlines referenced records where the schema allows, and refuses unknown fields", async () => {
    const { call } = await makeApp()
    const { feature, plan, price, product } = await seedCatalog(call)
    const flat = (await call("GET", `/v1/plans/${plan.id}`)).json
    expect(flat.product).toBe(product.id)
    const expanded = (await call("GET", `/v1/plans/pro_monthly?expand=product,prices,features`)).json
    expect(expanded.product).toMatchObject({ id: product.id, object: "product", name: "Pro" })
    expect(expanded.prices[0]).toMatchObject({ id: price.id, amount: 2900, currency: "EUR" })
    expect(expanded.features[0]).toMatchObject({ id: feature.id, code: "api_access" })
    const priceExpanded = (await call("GET", `/v1/prices/${price.id}?expand=product`)).json
    expect(priceExpanded.product.id).toBe(product.id)
    const listed = (await call("GET", "/v1/prices?expand=product")).json
    expect(listed.data[0].product.name).toBe("Pro")
    const unknown = await call("GET", `/v1/prices/${price.id}?expand=customer`)
    expect(unknown.status).toBe(400)
    expect(unknown.json.errors[0].field).toBe("expand")
  })

  it("quotes only the start of a 100,000-character expand or path id in the problem", async () => {
    const { call } = await makeApp()
    const { plan } = await seedCatalog(call)
    const huge = "9".repeat(100_000)
    const expand = await call("GET", `/v1/plans/${plan.id}?expand=${huge}`)
    expect(expand.status).toBe(400)
    expect(expand.json.detail).toContain("… (100000 characters)")
    expect(expand.json.errors[0]).toMatchObject({ field: "expand" })
    expect(expand.text.length).toBeLessThan(2_000)
    const id = await call("GET", `/v1/customers/cus_${huge}`)
    expect(id.status).toBe(404)
    expect(id.text.length).toBeLessThan(3_000)
  })
})

describe("base path and docs", () => {
  it("serves under the host's base path, with the OpenAPI document and an offline /docs page", async () => {
    const { call, request, key } = await makeApp({ basePath: "/billing/" })
    expect((await call("GET", "/v1/customers")).status).toBe(200)
    const spec = await request(undefined, "GET", "/v1/openapi.json")
    expect(spec.status).toBe(200)
    expect(spec.json.servers).toEqual([{ url: "/billing" }])
    expect(spec.json.paths["/v1/customers"]).toBeDefined()
    const docs = await request(undefined, "GET", "/docs")
    expect(docs.status).toBe(200)
    expect(docs.headers.get("content-type")).toContain("text/html")
    // Self-contained: the reference renderer is inlined, nothing loads from a CDN.
    expect(docs.text).not.toMatch(/<script[^>]+src=/)
    expect(docs.text).toContain("/v1/customers")
    // A problem names the path the client called, base path included.
    const missing = await call("GET", "/v1/customers/cus_01J00000000000000000000000")
    expect(missing.json).toMatchObject({ status: 404, instance: "/billing/v1/customers/cus_01J00000000000000000000000" })
    const unauthorized = await request(undefined, "GET", "/v1/customers")
    expect(unauthorized.json).toMatchObject({ status: 401, instance: "/billing/v1/customers" })
    void key
  })
})

describe("request bodies", () => {
  it("refuses a body over the limit with 413 before reading it, and only for a known caller", async () => {
    const { call, request } = await makeApp({ maxBodyBytes: 1000 })
    const big = { email: "a@example.com", metadata: { note: "x".repeat(400), more: "y".repeat(400), again: "z".repeat(400) } }
    const refused = await call("POST", "/v1/customers", big)
    expect(refused.status).toBe(413)
    expect(refused.json).toMatchObject({ type: "urn:billkit:error:payload_too_large", status: 413 })
    expect((await call("GET", "/v1/customers")).json.data).toEqual([])
    // Multi-byte characters count as bytes: 400 "é" are 800 bytes, under the limit.
    expect((await call("POST", "/v1/customers", { email: "b@example.com", name: "é".repeat(400) })).status).toBe(422)
    expect((await call("POST", "/v1/customers", { email: "b@example.com", name: "é".repeat(190) })).status).toBe(201)
    expect((await request(undefined, "POST", "/v1/customers", big)).status).toBe(401)
  })

  it("holds the key-less provider webhook to the same limit: anyone may call it, nobody may send it a flood", async () => {
    const { request } = await makeApp({ maxBodyBytes: 1000 })
    const big = { id: "evt_1", type: "payment_intent.succeeded", data: { object: { note: "x".repeat(2000) } } }
    const refused = await request(undefined, "POST", "/v1/providers/stripe/webhook/default", big)
    expect(refused.status).toBe(413)
    expect(refused.json).toMatchObject({ type: "urn:billkit:error:payload_too_large", status: 413 })
    // Under the limit it reaches the webhook's own checks (no Stripe provider here: a 404).
    expect((await request(undefined, "POST", "/v1/providers/stripe/webhook/default", { id: "evt_1" })).status).toBe(404)
  })
})

describe("streamed request bodies", () => {
  const streamed = (text: string, chunkSize: number) => {
    const bytes = new TextEncoder().encode(text)
    let offset = 0
    return new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (offset >= bytes.length) return controller.close()
        controller.enqueue(bytes.slice(offset, (offset += chunkSize)))
      }
    })
  }

  it("reads a chunked body without a declared length, and stops one that grows past the limit", async () => {
    const { app, key } = await makeApp({ maxBodyBytes: 1000 })
    const post = (text: string, chunkSize = 64) =>
      app.handler(new Request("http://billkit.test/v1/customers", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: streamed(text, chunkSize),
        duplex: "half"
      } as RequestInit))
    const ok = await post(JSON.stringify({ email: "streamed@example.com", name: "Ada" }))
    expect(ok.status).toBe(201)
    expect((await ok.json()).email).toBe("streamed@example.com")
    // Chunks of 7 bytes split the name's multi-byte characters: the body is decoded whole.
    const named = await post(JSON.stringify({ email: "zoe@example.com", name: "Zoë 😀 Ünïcødé" }), 7)
    expect(named.status).toBe(201)
    expect((await named.json()).name).toBe("Zoë 😀 Ünïcødé")
    const big = await post(JSON.stringify({ email: "big@example.com", metadata: { a: "x".repeat(500), b: "y".repeat(500) } }))
    expect(big.status).toBe(413)
  })

  it("stops reading a body that never ends at the limit, and cancels its stream", async () => {
    const { app, key } = await makeApp({ maxBodyBytes: 1000 })
    let pulled = 0
    let cancelled = false
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        pulled += 1
        controller.enqueue(new TextEncoder().encode(" ".repeat(100)))
      },
      cancel: () => {
        cancelled = true
      }
    })
    const response = await app.handler(new Request("http://billkit.test/v1/customers", {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: endless,
      duplex: "half"
    } as RequestInit))
    expect(response.status).toBe(413)
    expect(cancelled).toBe(true)
    // 1,000 bytes in chunks of 100: the eleventh passes the limit (the stream may have queued one more).
    expect(pulled).toBeLessThanOrEqual(12)
  })
})
