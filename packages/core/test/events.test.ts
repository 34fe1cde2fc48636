/** Events: the outbox written with each change, and its read API. */
import { it as effect } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { CurrentTenant, Events, ServicesLive, Storage, eventTypes, layerMemory } from "@billkit/core"
import { makeApp } from "./support.js"

const fieldsOf = (reply: { json: { errors?: Array<{ field: string }> } }) => (reply.json.errors ?? []).map((e) => e.field)

describe("customer events", () => {
  it("are written with each change, carrying the customer as the API shows it", async () => {
    const { call } = await makeApp()
    const created = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const updated = (await call("PATCH", `/v1/customers/${created.id}`, { name: "Ada" })).json
    const archived = (await call("DELETE", `/v1/customers/${created.id}`)).json
    // Archiving an archived customer changes nothing, and says nothing.
    await call("DELETE", `/v1/customers/${created.id}`)

    const list = await call("GET", "/v1/events")
    expect(list.status).toBe(200)
    expect(list.json).toMatchObject({ object: "list", has_more: false, next_cursor: null })
    const events = list.json.data
    expect(events.map((e: { type: string }) => e.type)).toEqual(["customer.created", "customer.updated", "customer.deleted"])
    expect(events[0]).toEqual({
      id: expect.stringMatching(/^evt_[0-9A-Z]{26}$/), object: "event", type: "customer.created", subject: created.id,
      data: created, created_at: expect.stringMatching(/Z$/)
    })
    expect(events[1].data).toEqual(updated)
    expect(events[2].data).toEqual(archived)
    expect((await call("GET", `/v1/events/${events[1].id}`)).json).toEqual(events[1])
  })

  it("are not written when the change is refused", async () => {
    const { call } = await makeApp()
    await call("POST", "/v1/customers", { email: "a@example.com" })
    expect((await call("POST", "/v1/customers", { email: "A@example.com" })).status).toBe(409)
    expect((await call("POST", "/v1/customers", { email: "nope" })).status).toBe(422)
    const other = (await call("POST", "/v1/customers", { email: "b@example.com" })).json
    expect((await call("PATCH", `/v1/customers/${other.id}`, { email: "a@example.com" })).status).toBe(409)
    const types = (await call("GET", "/v1/events")).json.data.map((e: { type: string }) => e.type)
    expect(types).toEqual(["customer.created", "customer.created"])
  })
})

describe("GET /v1/events", () => {
  it("filters by type, subject and time, and pages by cursor", async () => {
    const { call } = await makeApp()
    const a = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const b = (await call("POST", "/v1/customers", { email: "b@example.com" })).json
    await call("PATCH", `/v1/customers/${a.id}`, { name: "A" })
    await call("PATCH", `/v1/customers/${b.id}`, { name: "B" })
    await call("PATCH", `/v1/customers/${a.id}`, { name: "AA" })

    const get = async (q: string) => (await call("GET", `/v1/events?${q}`)).json
    const pairs = (page: { data: Array<{ type: string; subject: string }> }) => page.data.map((e) => [e.type, e.subject])
    expect(pairs(await get("type=customer.updated"))).toEqual([
      ["customer.updated", a.id], ["customer.updated", b.id], ["customer.updated", a.id]
    ])
    expect(pairs(await get(`subject=${a.id}`))).toEqual([["customer.created", a.id], ["customer.updated", a.id], ["customer.updated", a.id]])
    expect(pairs(await get(`type=customer.created&subject=${b.id}`))).toEqual([["customer.created", b.id]])
    expect((await get("type=customer.deleted&include_total=true")).total).toBe(0)

    const all = (await get("")).data
    const p1 = await get("limit=2")
    expect(p1).toMatchObject({ has_more: true, next_cursor: all[1].id })
    expect((await get(`limit=2&starting_after=${p1.next_cursor}`)).data.map((e: { id: string }) => e.id)).toEqual([all[2].id, all[3].id])

    // `from` and `to` take ISO 8601 or Unix seconds and include their bounds.
    const first = all[0].created_at as string
    const seconds = Math.floor(Date.parse(first) / 1000)
    expect((await get(`from=${encodeURIComponent(first)}&include_total=true`)).total).toBe(5)
    expect((await get(`from=${seconds}&include_total=true`)).total).toBe(5)
    expect((await get(`to=${seconds - 1}&include_total=true`)).total).toBe(0)
    expect((await get("from=2999-01-01&include_total=true")).total).toBe(0)
    expect((await get(`from=${seconds}&to=${seconds + 3600}&include_total=true`)).total).toBe(5)
  })

  it("answers 400 for bad filters and 404 for unknown events", async () => {
    const { call } = await makeApp()
    for (const [q, field] of [["type=customer.exploded", "type"], ["from=yesterday", "from"], ["to=2025-13-45", "to"], ["limit=0", "limit"]] as const) {
      const reply = await call("GET", `/v1/events?${q}`)
      expect(reply.status, q).toBe(400)
      expect(fieldsOf(reply), q).toContain(field)
    }
    const missing = await call("GET", "/v1/events/evt_01ARZ3NDEKTSV4RRFFQ69G5FAV")
    expect(missing.status).toBe(404)
    expect(missing.json.type).toBe("urn:billkit:error:not_found")
  })

  it("need the events scope and stay inside their project and mode", async () => {
    const { app, call, request } = await makeApp()
    await call("POST", "/v1/customers", { email: "a@example.com" })
    const event = (await call("GET", "/v1/events")).json.data[0]
    const reader = (await call("POST", "/v1/api-keys", { name: "r", scopes: ["events:read"] })).json.secret
    expect((await request(reader, "GET", "/v1/events")).json.data).toHaveLength(1)
    const customersOnly = (await call("POST", "/v1/api-keys", { name: "c", scopes: ["customers:write"] })).json.secret
    expect((await request(customersOnly, "GET", "/v1/events")).status).toBe(403)
    const other = await app.createProject("Other")
    expect((await request(other.testKey, "GET", `/v1/events/${event.id}`)).status).toBe(404)
    await request(other.liveKey, "POST", "/v1/customers", { email: "live@example.com" })
    expect((await request(other.testKey, "GET", "/v1/events")).json.data).toEqual([])
    expect((await request(other.liveKey, "GET", "/v1/events")).json.data).toHaveLength(1)
  })
})

describe("Events service", () => {
  const TestServices = ServicesLive.pipe(Layer.provideMerge(layerMemory))
  const tenant = Effect.provideService(CurrentTenant, { projectId: "proj_1", mode: "test" as const })

  effect.effect("emit joins the caller's transaction and rolls back with it", () =>
    Effect.gen(function*() {
      const events = yield* Events
      const storage = yield* Storage
      yield* events.emit("invoice.paid", "inv_1", { id: "inv_1", object: "invoice", amount_paid: 100 })
      const failed = yield* Effect.exit(storage.withTransaction(
        Effect.zipRight(events.emit("invoice.voided", "inv_1", { id: "inv_1" }), Effect.fail("boom" as const))
      ))
      expect(failed._tag).toBe("Failure")
      const listed = yield* events.list({ limit: 10 })
      expect(listed.data.map((e) => [e.type, e.subject, e.data])).toEqual([
        ["invoice.paid", "inv_1", { id: "inv_1", object: "invoice", amount_paid: 100 }]
      ])
      expect(yield* events.get(listed.data[0].id)).toEqual(listed.data[0])
    }).pipe(Effect.provide(TestServices), tenant))

  it("knows every event type of API.md", () => {
    // API.md §3's twenty, webhooks' own test and disabled events (issue 10), checkout.session.completed,
    // referrals' applied and rewarded (issue 14), a payment's dispute opened and closed, and an imported
    // subscription taken over from Stripe (issue 11).
    expect(eventTypes).toHaveLength(28)
    expect(eventTypes).toContain("subscription.migrated")
    expect(eventTypes).toContain("payment.disputed")
    expect(eventTypes).toContain("payment.dispute_closed")
    expect(eventTypes).toContain("referral.rewarded")
    expect(eventTypes).toContain("subscription.trial_will_end")
    expect(eventTypes).toContain("checkout.session.completed")
    expect(eventTypes).toContain("usage_limit.disabled")
  })
})
