/**
 * Webhooks end to end on memory storage: endpoints, signed delivery to real receivers on
 * 127.0.0.1 (each verifying with the `standardwebhooks` verifier), the retry schedule under the
 * test clock, rotation, the private-network guard, subscribers, stats.
 */
import { hostname } from "node:os"
import { afterEach, describe, expect, it } from "vitest"
import { Webhook } from "standardwebhooks"
import { defaultRetryPolicy, isPrivateAddress, matchesEvent, nextAttemptAt } from "@billkit/core"
import { makeApp } from "./support.js"
import { startReceiver, type Behaviour, type Receiver } from "./webhookReceivers.js"

const receivers: Array<Receiver> = []
afterEach(async () => {
  for (const r of receivers.splice(0)) await r.close()
})
const receiver = async (behaviour: Behaviour = "ok") => {
  const r = await startReceiver(behaviour)
  receivers.push(r)
  return r
}

const allowing = (webhooks: Record<string, unknown> = {}) => makeApp({ webhooks: { allowPrivateNetworks: true, ...webhooks } })

const endpointFor = async (call: Awaited<ReturnType<typeof makeApp>>["call"], r: Receiver, events: Array<string> = ["*"]) => {
  const created = await call("POST", "/v1/webhook-endpoints", { url: r.url, events })
  expect(created.status).toBe(201)
  r.secrets = [created.json.secret]
  return created.json
}

const deliveriesOf = async (call: Awaited<ReturnType<typeof makeApp>>["call"], endpoint: string) =>
  (await call("GET", `/v1/webhook-endpoints/${endpoint}/deliveries`)).json.data

describe("webhook endpoints", () => {
  it("show the whsec_ secret once and never again", async () => {
    const { call } = await allowing()
    const r = await receiver()
    const created = await call("POST", "/v1/webhook-endpoints", { url: r.url, events: ["invoice.*", "customer.created"], description: "ops" })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({
      id: expect.stringMatching(/^we_/), object: "webhook_endpoint", url: r.url, events: ["invoice.*", "customer.created"],
      description: "ops", disabled: false, secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/)
    })
    const fetched = await call("GET", `/v1/webhook-endpoints/${created.json.id}`)
    expect(fetched.status).toBe(200)
    expect(fetched.json.secret).toBeUndefined()
    expect(JSON.stringify((await call("GET", "/v1/webhook-endpoints")).json)).not.toContain("whsec_")
    const patched = await call("PATCH", `/v1/webhook-endpoints/${created.json.id}`, { disabled: true, events: ["*"] })
    expect(patched.json).toMatchObject({ disabled: true, events: ["*"] })
    expect((await call("GET", "/v1/webhook-endpoints?disabled=true")).json.data).toHaveLength(1)
    expect((await call("DELETE", `/v1/webhook-endpoints/${created.json.id}`)).json).toEqual({ id: created.json.id, object: "webhook_endpoint", deleted: true })
    expect((await call("GET", `/v1/webhook-endpoints/${created.json.id}`)).status).toBe(404)
    expect((await call("GET", "/v1/webhook-endpoints")).json.data).toEqual([])
  })

  it("refuse bad input with 422 naming the field", async () => {
    const { call } = await allowing()
    const fields = async (body: unknown) => (await call("POST", "/v1/webhook-endpoints", body)).json.errors?.map((e: { field: string }) => e.field)
    expect(await fields({ url: "ftp://example.com", events: ["*"] })).toEqual(["url"])
    expect(await fields({ url: "https://example.com", events: [] })).toEqual(["events"])
    expect(await fields({ url: "https://example.com", events: ["Invoice paid"] })).toEqual(["events[0]"])
    expect(await fields({ url: "https://example.com", events: ["*"], secret: "mine" })).toEqual(["secret"])
  })

  it("refuse private, loopback and link-local URLs unless the host allows them", async () => {
    const { call } = await makeApp({ webhooks: { resolve: async (host) => (host === "rebind.example" ? ["203.0.113.7", "127.0.0.1"] : ["93.184.216.34"]) } })
    for (const url of [
      "http://127.0.0.1/x", "http://10.1.2.3/", "http://192.168.0.10/", "http://172.20.0.1/", "http://169.254.169.254/latest/meta-data",
      "http://[::1]/", "http://[fe80::1]/", "http://[::ffff:127.0.0.1]/", "http://2130706433/", "http://0x7f.1/", "http://localhost:3000/",
      "http://rebind.example/hook"
    ]) {
      const reply = await call("POST", "/v1/webhook-endpoints", { url, events: ["*"] })
      expect([url, reply.status, reply.json.errors?.[0]?.field]).toEqual([url, 422, "url"])
    }
    expect((await call("POST", "/v1/webhook-endpoints", { url: "https://hooks.example.com/x", events: ["*"] })).status).toBe(201)
  })

  it("refuse a name that the system resolver maps to 127.0.0.1", async () => {
    const { call } = await makeApp()
    // This machine's own name resolves to a loopback address (/etc/hosts), through node:dns.
    const reply = await call("POST", "/v1/webhook-endpoints", { url: `http://${hostname()}:9/hook`, events: ["*"] })
    expect(reply.status).toBe(422)
    expect(reply.json.errors[0].field).toBe("url")
  })

  it("re-check the address at delivery time", async () => {
    let addresses = ["93.184.216.34"]
    const { app, call } = await makeApp({ webhooks: { resolve: async () => addresses } })
    const created = (await call("POST", "/v1/webhook-endpoints", { url: "http://hooks.example.test/x", events: ["*"] })).json
    addresses = ["127.0.0.1"]
    await call("POST", "/v1/customers", { email: "a@example.com" })
    await app.runDeliveries()
    const [d] = await deliveriesOf(call, created.id)
    expect(d).toMatchObject({ status: "pending", attempts: 1, response_status: null })
    expect(d.error).toMatch(/^refused: the URL must not resolve to a private/)
  })
})

describe("delivery", () => {
  it("signs with standardwebhooks: webhook-id is the event id, the body the event as the API shows it", async () => {
    const { app, call } = await allowing()
    const r = await receiver("ok")
    const endpoint = await endpointFor(call, r, ["customer.*"])
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const report = await app.runDeliveries()
    expect(report).toMatchObject({ dispatched: 1, attempted: 1, succeeded: 1, retrying: 0, failed: 0 })
    expect(r.received).toHaveLength(1)
    const event = (await call("GET", "/v1/events")).json.data[0]
    expect(r.received[0]!.verified[0]).toEqual(event)
    expect(event).toMatchObject({ type: "customer.created", data: customer })
    expect(r.received[0]!.headers["webhook-id"]).toBe(event.id)
    expect(r.received[0]!.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+$/)
    const [d] = await deliveriesOf(call, endpoint.id)
    expect(d).toMatchObject({
      object: "webhook_delivery", endpoint: endpoint.id, event: event.id, event_type: "customer.created", status: "succeeded",
      attempts: 1, response_status: 200, response_body: "thanks", error: null, next_attempt_at: null
    })
    // Nothing more to do: a second run sends nothing again.
    expect(await app.runDeliveries()).toMatchObject({ dispatched: 0, attempted: 0 })
    expect(r.received).toHaveLength(1)
  })

  it("only to endpoints whose events match, never to disabled ones", async () => {
    const { app, call } = await allowing()
    const invoices = await receiver()
    const customers = await receiver()
    const off = await receiver()
    await endpointFor(call, invoices, ["invoice.*"])
    await endpointFor(call, customers, ["customer.created"])
    const disabled = await endpointFor(call, off, ["*"])
    await call("PATCH", `/v1/webhook-endpoints/${disabled.id}`, { disabled: true })
    const c = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    await call("PATCH", `/v1/customers/${c.id}`, { name: "A" })
    await app.runDeliveries()
    expect(invoices.received).toHaveLength(0)
    expect(customers.received.map((x) => JSON.parse(x.body).type)).toEqual(["customer.created"])
    expect(off.received).toHaveLength(0)
  })

  it("a 500 is retried after about 5 s, keeping at most 64 KiB of the answer", async () => {
    const { app, call } = await allowing()
    const r = await receiver("error")
    const endpoint = await endpointFor(call, r)
    await call("POST", "/v1/customers", { email: "a@example.com" })
    const before = Date.now()
    expect(await app.runDeliveries()).toMatchObject({ attempted: 1, retrying: 1 })
    const [d] = await deliveriesOf(call, endpoint.id)
    expect(d).toMatchObject({ status: "pending", attempts: 1, response_status: 500, error: "answered 500" })
    expect(d.response_body).toHaveLength(64 * 1024)
    const wait = Date.parse(d.next_attempt_at) - before
    expect(wait).toBeGreaterThanOrEqual(4500 - 50)
    expect(wait).toBeLessThanOrEqual(5500 + 1000)
    expect(r.received[0]!.verified[0]).toBeDefined()
  })

  it("a receiver that hangs times out; one that closes the connection fails; a slow one succeeds", async () => {
    const { app, call } = await allowing({ timeoutMs: 1500 })
    const hang = await receiver("hang")
    const close = await receiver("close")
    const slow = await receiver("slow")
    slow.slowMs = 600
    const h = await endpointFor(call, hang)
    const c = await endpointFor(call, close)
    const s = await endpointFor(call, slow)
    await call("POST", "/v1/customers", { email: "a@example.com" })
    await app.runDeliveries()
    expect((await deliveriesOf(call, h.id))[0]).toMatchObject({ status: "pending", error: "timeout", response_status: null })
    expect((await deliveriesOf(call, c.id))[0]).toMatchObject({ status: "pending", error: "connection closed", response_status: null })
    const slowDelivery = (await deliveriesOf(call, s.id))[0]
    expect(slowDelivery).toMatchObject({ status: "succeeded", response_status: 200, response_body: "slowly" })
    expect(slowDelivery.duration_ms).toBeGreaterThanOrEqual(550)
    for (const x of [hang, close, slow]) expect(x.received[0]!.verified[0]).toBeDefined()
  })

  it("does not follow redirects", async () => {
    const { createServer } = await import("node:http")
    const target = await receiver("ok")
    const server = createServer((_req, res) => res.writeHead(302, { location: target.url }).end())
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`
    const { app, call } = await allowing()
    const endpoint = (await call("POST", "/v1/webhook-endpoints", { url, events: ["*"] })).json
    await call("POST", "/v1/customers", { email: "a@example.com" })
    await app.runDeliveries()
    server.close()
    expect((await deliveriesOf(call, endpoint.id))[0]).toMatchObject({ status: "pending", response_status: 302, error: "redirect not followed (302)" })
    expect(target.received).toHaveLength(0)
  })

  it("follows the retry schedule under the test clock, then fails; 5 days of failures disable the endpoint", async () => {
    const { app, call } = await allowing({ retry: { jitter: 0 } })
    const r = await receiver("error")
    const endpoint = await endpointFor(call, r)
    const other = await receiver("ok")
    await endpointFor(call, other, ["webhook_endpoint.disabled"])
    const start = Date.parse((await call("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })).json.now)
    await call("POST", "/v1/customers", { email: "a@example.com" })
    await app.runDeliveries()
    const times: Array<number> = []
    for (let i = 0; i < 20; i++) {
      const [d] = await deliveriesOf(call, endpoint.id)
      if (d.status !== "pending") break
      const next = Date.parse(d.next_attempt_at)
      times.push(next - start)
      await call("POST", "/v1/test-helpers/clock/advance", { to: d.next_attempt_at })
      await app.runDeliveries()
    }
    const s = 1000, m = 60 * s, h = 60 * m
    // Waits of 5 s, 5 min, 30 min, 2 h, 5 h, then 10 h, until 3 days after the delivery was made.
    expect(times.slice(0, 7)).toEqual([5 * s, 5 * s + 5 * m, 5 * s + 35 * m, 5 * s + 155 * m, 5 * s + 455 * m, 5 * s + 1055 * m, 5 * s + 1655 * m])
    expect(times.every((t) => t <= 72 * h)).toBe(true)
    const [d] = await deliveriesOf(call, endpoint.id)
    expect(d).toMatchObject({ status: "failed", attempts: 12, next_attempt_at: null })
    expect(r.received).toHaveLength(12)
    expect((await call("GET", `/v1/webhook-endpoints/${endpoint.id}`)).json.disabled).toBe(false)

    // Still failing on day 5: the endpoint is disabled, and says so.
    await call("POST", "/v1/test-helpers/clock/advance", { to: new Date(start + 5 * 24 * h + m).toISOString() })
    await call("POST", "/v1/customers", { email: "b@example.com" })
    await app.runDeliveries()
    expect((await call("GET", `/v1/webhook-endpoints/${endpoint.id}`)).json).toMatchObject({ disabled: true, disabled_reason: "failing" })
    const disabled = (await call("GET", "/v1/events?type=webhook_endpoint.disabled")).json.data
    expect(disabled).toHaveLength(1)
    expect(disabled[0]).toMatchObject({ subject: endpoint.id, data: { id: endpoint.id, disabled: true } })
    await app.runDeliveries()
    expect(other.received.map((x) => JSON.parse(x.body).type)).toEqual(["webhook_endpoint.disabled"])
  })

  it("a success ends the failure streak the batch before it started, in one run", async () => {
    // Batches of one: the first fails and starts a streak while the second, already claimed, is
    // sent and succeeds. The success must end that streak, or a failure 5 days later would find
    // the endpoint "failing for 5 days" and disable it.
    const { app, call } = await allowing({ batchSize: 1, concurrency: 1, retry: { jitter: 0 } })
    const r = await receiver("ok")
    let failing = (n: number): boolean => n === 1
    Object.defineProperty(r, "behaviour", { get: () => (failing(r.received.length) ? "error" : "ok") })
    const endpoint = await endpointFor(call, r)
    const start = Date.parse((await call("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })).json.now)
    for (const email of ["a@example.com", "b@example.com"]) await call("POST", "/v1/customers", { email })
    expect(await app.runDeliveries()).toMatchObject({ attempted: 2, succeeded: 1, retrying: 1 })

    failing = () => true
    await call("POST", "/v1/test-helpers/clock/advance", { to: new Date(start + 5 * 24 * 3600_000 + 60_000).toISOString() })
    await call("POST", "/v1/customers", { email: "c@example.com" })
    await app.runDeliveries()
    expect((await call("GET", `/v1/webhook-endpoints/${endpoint.id}`)).json.disabled).toBe(false)
  })

  it("spreads retries with jitter within ±10 %", () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      for (const random of [0, 0.25, 0.5, 0.999]) {
        const at = nextAttemptAt(defaultRetryPolicy, 0, attempt, 1000, random)!
        const base = defaultRetryPolicy.delaysMs[Math.min(attempt, 6) - 1]!
        expect(at - 1000).toBeGreaterThanOrEqual(base * 0.9 - 1)
        expect(at - 1000).toBeLessThanOrEqual(base * 1.1 + 1)
      }
    }
    expect(nextAttemptAt(defaultRetryPolicy, 0, 12, 70 * 3600_000, 0.5)).toBeUndefined()
  })

  it("rotation signs with both secrets for 24 h, then with the new one alone", async () => {
    const { app, call } = await allowing()
    const r = await receiver("ok")
    const endpoint = await endpointFor(call, r)
    const oldSecret = r.secrets[0]!
    const rotated = await call("POST", `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`)
    expect(rotated.status).toBe(200)
    const newSecret = rotated.json.secret as string
    expect(newSecret).toMatch(/^whsec_/)
    expect(newSecret).not.toBe(oldSecret)
    r.secrets = [oldSecret, newSecret]
    await call("POST", "/v1/customers", { email: "a@example.com" })
    await app.runDeliveries()
    const first = r.received[0]!
    expect(first.headers["webhook-signature"]!.split(" ")).toHaveLength(2)
    expect(first.verified[0]).toBeDefined()
    expect(first.verified[1]).toBeDefined()

    await call("POST", "/v1/test-helpers/clock/advance", { seconds: 24 * 3600 + 1 })
    await call("POST", "/v1/customers", { email: "b@example.com" })
    await app.runDeliveries()
    const second = r.received[1]!
    // A test clock a day ahead: receivers check the timestamp against real time, so it is real time.
    expect(Math.abs(Number(second.headers["webhook-timestamp"]) * 1000 - Date.now())).toBeLessThan(60_000)
    expect(second.headers["webhook-signature"]!.split(" ")).toHaveLength(1)
    expect(second.verified[0]).toBeUndefined()
    expect(second.verified[1]).toBeDefined()
  })

  it("stores secrets sealed under the encryption key", async () => {
    const { app, call, storage, projectId } = await makeApp({ encryptionKey: "a".repeat(64), webhooks: { allowPrivateNetworks: true } })
    const r = await receiver("ok")
    await endpointFor(call, r)
    const { Collections } = await import("@billkit/core")
    const { Effect } = await import("effect")
    const row = await Effect.runPromise(storage.findOne(Collections.WebhookEndpoints, { projectId, mode: "test" }, "status", "enabled"))
    const dump = JSON.stringify(row)
    expect(dump).toContain("\"sealed\":\"v1.")
    expect(dump).not.toContain(r.secrets[0]!.slice("whsec_".length))
    await call("POST", "/v1/customers", { email: "a@example.com" })
    await app.runDeliveries()
    expect(r.received[0]!.verified[0]).toBeDefined()
  })

  it("test send answers with the attempt; retry and resend make new attempts", async () => {
    const { app, call } = await allowing()
    const r = await receiver("error")
    const endpoint = await endpointFor(call, r)
    const tested = await call("POST", `/v1/webhook-endpoints/${endpoint.id}/test`)
    expect(tested.status).toBe(200)
    expect(tested.json).toMatchObject({ event_type: "webhook_endpoint.test", status: "pending", attempts: 1, response_status: 500 })
    expect(JSON.parse(r.received[0]!.body)).toMatchObject({ type: "webhook_endpoint.test", subject: endpoint.id })
    r.behaviour = "ok"
    const retried = await call("POST", `/v1/webhook-endpoints/${endpoint.id}/deliveries/${tested.json.id}/retry`)
    expect(retried.json).toMatchObject({ id: tested.json.id, status: "succeeded", attempts: 2, response_status: 200 })
    expect(r.received[1]!.headers["webhook-id"]).toBe(r.received[0]!.headers["webhook-id"])
    // The test event goes to that endpoint only, never through the dispatcher.
    expect(await app.runDeliveries()).toMatchObject({ dispatched: 0, attempted: 0 })

    await call("POST", "/v1/customers", { email: "a@example.com" })
    await app.runDeliveries()
    const event = (await call("GET", "/v1/events?type=customer.created")).json.data[0]
    const resent = await call("POST", `/v1/events/${event.id}/resend`)
    expect(resent.json.data).toHaveLength(1)
    expect(resent.json.data[0]).toMatchObject({ endpoint: endpoint.id, event: event.id, status: "pending", attempts: 0 })
    await app.runDeliveries()
    expect(r.received.filter((x) => x.headers["webhook-id"] === event.id)).toHaveLength(2)
    expect((await call("POST", `/v1/events/evt_nope/resend`)).status).toBe(404)
    expect((await call("POST", `/v1/webhook-endpoints/${endpoint.id}/deliveries/whd_nope/retry`)).status).toBe(404)
  })
})

describe("in-process subscribers", () => {
  it("get events after commit, at least once, retried, then dead-lettered", async () => {
    const { app, call, projectId } = await allowing({ retry: { jitter: 0, delaysMs: [1000], retryForMs: 3000 } })
    const seen: Array<string> = []
    const unsubscribe = app.events.subscribe("customer.created", (event, tenant) => {
      seen.push(`${event.type}:${tenant.mode}`)
    })
    await call("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })
    let failures = 0
    app.events.subscribe("customer.*", async () => {
      failures++
      throw new Error("the handler is broken")
    }, { name: "broken" })
    await call("POST", "/v1/customers", { email: "a@example.com" })
    expect(seen).toEqual([]) // nothing before the worker runs
    await app.runDeliveries()
    expect(seen).toEqual(["customer.created:test"])
    for (let i = 0; i < 6; i++) {
      await call("POST", "/v1/test-helpers/clock/advance", { seconds: 1 })
      await app.runDeliveries()
    }
    expect(failures).toBe(4) // at 0, 1, 2 and 3 s; a 4th retry would pass the 3 s window
    const dead = await app.events.deadLetters(projectId)
    expect(dead).toHaveLength(1)
    expect(dead[0]).toMatchObject({ subscriber: "broken", status: "failed", attempts: 4, eventType: "customer.created" })
    expect(dead[0]!.error).toContain("the handler is broken")
    unsubscribe()
    await call("POST", "/v1/customers", { email: "b@example.com" })
    await app.runDeliveries()
    expect(seen).toEqual(["customer.created:test"])
  })
})

describe("events list and stats", () => {
  it("GET /v1/events filters by type prefix", async () => {
    const { call } = await allowing()
    const a = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    await call("PATCH", `/v1/customers/${a.id}`, { name: "A" })
    const types = async (q: string) => (await call("GET", `/v1/events?${q}`)).json.data.map((e: { type: string }) => e.type)
    expect(await types("type=customer")).toEqual(["customer.created", "customer.updated"])
    expect(await types("type=customer.*")).toEqual(["customer.created", "customer.updated"])
    expect(await types("type=customer.*&from=2000-01-01T00:00:00Z")).toEqual(["customer.created", "customer.updated"])
    expect(await types("type=customer.updated")).toEqual(["customer.updated"])
    expect(await types("type=invoice")).toEqual([])
    expect((await call("GET", "/v1/events?type=Bad Type")).status).toBe(400)
  })

  it("GET /v1/analytics/webhooks counts per endpoint and event type", async () => {
    const { app, call } = await allowing()
    const ok = await receiver("ok")
    const bad = await receiver("error")
    const good = await endpointFor(call, ok)
    const failing = await endpointFor(call, bad)
    await call("POST", "/v1/customers", { email: "a@example.com" })
    await call("POST", "/v1/customers", { email: "b@example.com" })
    await app.runDeliveries()
    const stats = (await call("GET", "/v1/analytics/webhooks")).json
    expect(stats.object).toBe("webhook_stats")
    const row = (endpoint: string) => stats.data.find((x: { endpoint: string }) => x.endpoint === endpoint)
    expect(row(good.id)).toMatchObject({ event_type: "customer.created", delivered: 2, failed: 0, retrying: 0 })
    expect(row(good.id).p50_ms).toBeGreaterThanOrEqual(0)
    expect(row(failing.id)).toMatchObject({ event_type: "customer.created", delivered: 0, failed: 0, retrying: 2, p50_ms: null, p95_ms: null })
    expect((await call("GET", "/v1/analytics/webhooks?from=2999-01-01T00:00:00Z")).json.data).toEqual([])
  })
})

describe("pure parts", () => {
  it("classify addresses", () => {
    for (const a of ["127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1", "::", "fe80::1", "fd00::1", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "224.0.0.1"]) {
      expect([a, isPrivateAddress(a)]).toEqual([a, true])
    }
    for (const a of ["93.184.216.34", "8.8.8.8", "172.32.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]) expect([a, isPrivateAddress(a)]).toEqual([a, false])
  })

  it("match event patterns", () => {
    expect(matchesEvent(["*"], "invoice.paid")).toBe(true)
    expect(matchesEvent(["invoice.*"], "invoice.paid")).toBe(true)
    expect(matchesEvent(["invoice.*"], "invoices.paid")).toBe(false)
    expect(matchesEvent(["invoice.paid"], "invoice.payment_failed")).toBe(false)
  })

  it("the signature is what the standardwebhooks verifier accepts", async () => {
    const { signatureOf } = await import("@billkit/core")
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    const now = Date.now()
    const sig = signatureOf([secret], "evt_1", now, "{}")
    expect(new Webhook(secret).verify("{}", { "webhook-id": "evt_1", "webhook-timestamp": String(Math.floor(now / 1000)), "webhook-signature": sig })).toEqual({})
  })
})
