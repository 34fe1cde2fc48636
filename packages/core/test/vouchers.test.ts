/** Vouchers: create, read, change, redeem for a customer, and what the invoice engine sees of them. */
import { it as effect } from "@effect/vitest"
import { BigDecimal, Effect, Layer, TestClock } from "effect"
import { describe, expect, it } from "vitest"
import { CurrentTenant, Customers, ServicesLive, Vouchers, layerMemory } from "@billkit/core"
import { billingScenarios } from "@billkit/testing"
import { makeApp, memoryUnderTest } from "./support.js"

const fieldsOf = (reply: { json: { errors?: Array<{ field: string }> } }) => (reply.json.errors ?? []).map((e) => e.field)

describe("vouchers", () => {
  it("create, retrieve, list, filter and update", async () => {
    const { call } = await makeApp()
    const created = await call("POST", "/v1/vouchers", {
      code: "Summer25", name: "Summer sale", type: "percentage", percentage: "25", duration: "repeating",
      duration_in_cycles: 3, max_redemptions: 100, expires_at: "2999-01-01T00:00:00+01:00", metadata: { campaign: "s" }
    })
    expect(created.status).toBe(201)
    const v = created.json
    expect(v).toEqual({
      id: expect.stringMatching(/^vou_[0-9A-Z]{26}$/), object: "voucher", code: "Summer25", name: "Summer sale",
      type: "percentage", percentage: "25", amounts: [], duration: "repeating", duration_in_cycles: 3,
      max_redemptions: 100, times_redeemed: 0, expires_at: "2998-12-31T23:00:00.000Z", status: "active",
      metadata: { campaign: "s" }, created_at: expect.stringMatching(/Z$/), updated_at: expect.stringMatching(/Z$/)
    })
    expect((await call("GET", `/v1/vouchers/${v.id}`)).json).toEqual(v)

    const fixed = await call("POST", "/v1/vouchers", {
      code: "TENOFF", type: "fixed", amounts: [{ amount: 1000, currency: "eur" }, { amount: 1500, currency: "USD" }], duration: "forever"
    })
    expect(fixed.status).toBe(201)
    expect(fixed.json).toMatchObject({
      name: "TENOFF", percentage: null, amounts: [{ amount: 1000, currency: "EUR" }, { amount: 1500, currency: "USD" }],
      duration: "forever", duration_in_cycles: null, max_redemptions: null, expires_at: null
    })
    // A number is accepted for the percentage, a decimal string answered; duration defaults to once.
    const once = (await call("POST", "/v1/vouchers", { code: "HALF", type: "percentage", percentage: 12.5, expires_at: 32503680000 })).json
    expect(once).toMatchObject({ percentage: "12.5", duration: "once", expires_at: "3000-01-01T00:00:00.000Z" })

    // Codes are unique per project and mode, whatever their case.
    const dup = await call("POST", "/v1/vouchers", { code: "SUMMER25", type: "fixed", amounts: [{ amount: 1, currency: "EUR" }] })
    expect(dup.status).toBe(409)
    expect(dup.json.errors).toEqual([{ field: "code", message: "A voucher with this code already exists" }])

    const ids = async (q: string) => (await call("GET", `/v1/vouchers?${q}`)).json.data.map((x: { id: string }) => x.id)
    expect(await ids("")).toEqual([v.id, fixed.json.id, once.id])
    expect(await ids("code=summer25")).toEqual([v.id])

    const updated = await call("PATCH", `/v1/vouchers/${v.id}`, {
      name: "Late summer", status: "disabled", max_redemptions: null, expires_at: null, metadata: {}
    })
    expect(updated.status).toBe(200)
    expect(updated.json).toMatchObject({ name: "Late summer", status: "disabled", max_redemptions: null, expires_at: null, metadata: {}, percentage: "25" })
    expect(await ids("status=disabled")).toEqual([v.id])
    expect(await ids("status=active")).toEqual([fixed.json.id, once.id])
    expect((await call("GET", "/v1/vouchers?status=paused")).status).toBe(400)
  })

  it("refuses bad fields by name, and changes to the discount itself", async () => {
    const { call } = await makeApp()
    const cases: Array<[unknown, string]> = [
      [{ type: "percentage", percentage: "10" }, "code"],
      [{ code: "has space", type: "percentage", percentage: "10" }, "code"],
      [{ code: "A", type: "percent", percentage: "10" }, "type"],
      [{ code: "A", type: "percentage" }, "percentage"],
      [{ code: "A", type: "percentage", percentage: "0" }, "percentage"],
      [{ code: "A", type: "percentage", percentage: "100.01" }, "percentage"],
      [{ code: "A", type: "percentage", percentage: "ten" }, "percentage"],
      [{ code: "A", type: "percentage", percentage: "10", amounts: [{ amount: 100, currency: "EUR" }] }, "amounts"],
      [{ code: "A", type: "fixed" }, "amounts"],
      [{ code: "A", type: "fixed", amounts: [] }, "amounts"],
      [{ code: "A", type: "fixed", amounts: [{ amount: 0, currency: "EUR" }] }, "amounts[0].amount"],
      [{ code: "A", type: "fixed", amounts: [{ amount: 9.5, currency: "EUR" }] }, "amounts[0].amount"],
      [{ code: "A", type: "fixed", amounts: [{ amount: 100, currency: "EURO" }] }, "amounts[0].currency"],
      [{ code: "A", type: "fixed", amounts: [{ amount: 100, currency: "EUR" }, { amount: 5, currency: "eur" }] }, "amounts[1].currency"],
      [{ code: "A", type: "fixed", amounts: [{ amount: 100, currency: "EUR" }], percentage: "5" }, "percentage"],
      [{ code: "A", type: "percentage", percentage: "10", duration: "repeating" }, "duration_in_cycles"],
      [{ code: "A", type: "percentage", percentage: "10", duration: "once", duration_in_cycles: 2 }, "duration_in_cycles"],
      [{ code: "A", type: "percentage", percentage: "10", duration: "repeating", duration_in_cycles: 0 }, "duration_in_cycles"],
      [{ code: "A", type: "percentage", percentage: "10", duration: "weekly" }, "duration"],
      [{ code: "A", type: "percentage", percentage: "10", max_redemptions: 0 }, "max_redemptions"],
      [{ code: "A", type: "percentage", percentage: "10", expires_at: "2020-01-01T00:00:00Z" }, "expires_at"],
      [{ code: "A", type: "percentage", percentage: "10", expires_at: "next tuesday" }, "expires_at"],
      [{ code: "A", type: "percentage", percentage: "10", expires_at: "2999-01-01T00:00:00" }, "expires_at"],
      [{ code: "A", type: "percentage", percentage: "10", coupon: true }, "coupon"]
    ]
    for (const [body, field] of cases) {
      const reply = await call("POST", "/v1/vouchers", body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(reply.headers.get("content-type")).toBe("application/problem+json")
      expect(fieldsOf(reply), JSON.stringify(body)).toContain(field)
    }
    expect((await call("GET", "/v1/vouchers?include_total=true")).json.total).toBe(0)

    const v = (await call("POST", "/v1/vouchers", { code: "KEEP", type: "percentage", percentage: "10" })).json
    for (const [body, field] of [
      [{ percentage: "50" }, "percentage"],
      [{ type: "fixed" }, "type"],
      [{ code: "OTHER" }, "code"],
      [{ status: "deleted" }, "status"],
      [{ max_redemptions: -1 }, "max_redemptions"]
    ] as const) {
      const reply = await call("PATCH", `/v1/vouchers/${v.id}`, body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(fieldsOf(reply), JSON.stringify(body)).toContain(field)
    }
    expect((await call("GET", `/v1/vouchers/${v.id}`)).json.percentage).toBe("10")
    expect((await call("GET", "/v1/vouchers/vou_01ARZ3NDEKTSV4RRFFQ69G5FAV")).status).toBe(404)
    expect((await call("PATCH", "/v1/vouchers/vou_01ARZ3NDEKTSV4RRFFQ69G5FAV", { name: "x" })).status).toBe(404)
  })
})

describe("redemptions", () => {
  it("apply a voucher to a customer and count it", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const v = (await call("POST", "/v1/vouchers", { code: "WELCOME", type: "percentage", percentage: "20", max_redemptions: 5 })).json

    const redeemed = await call("POST", `/v1/customers/${customer.id}/vouchers`, { code: "welcome" })
    expect(redeemed.status).toBe(201)
    expect(redeemed.json).toEqual({
      id: expect.stringMatching(/^red_[0-9A-Z]{26}$/), object: "redemption", customer: customer.id, voucher: v.id,
      code: "WELCOME", status: "active", cycles_used: 0, created_at: expect.stringMatching(/Z$/)
    })
    expect((await call("GET", `/v1/vouchers/${v.id}`)).json.times_redeemed).toBe(1)
    const listed = (await call("GET", `/v1/customers/${customer.id}/vouchers`)).json
    expect(listed.data).toEqual([redeemed.json])

    const again = await call("POST", `/v1/customers/${customer.id}/vouchers`, { code: "WELCOME" })
    expect(again.status).toBe(409)
    expect(again.json.errors).toEqual([{ field: "code", message: "This voucher is already active on this customer" }])
    expect((await call("GET", `/v1/vouchers/${v.id}`)).json.times_redeemed).toBe(1)
  })

  it("answers 404 for an unknown code or customer and 409 for a disabled, expired or used-up voucher", async () => {
    const { call } = await makeApp()
    const a = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const b = (await call("POST", "/v1/customers", { email: "b@example.com" })).json
    const unknown = await call("POST", `/v1/customers/${a.id}/vouchers`, { code: "NOPE" })
    expect(unknown.status).toBe(404)
    expect(unknown.json.detail).toBe("No such voucher: NOPE")
    await call("POST", "/v1/vouchers", { code: "ANY", type: "percentage", percentage: "5" })
    expect((await call("POST", "/v1/customers/cus_01ARZ3NDEKTSV4RRFFQ69G5FAV/vouchers", { code: "ANY" })).status).toBe(404)
    for (const [body, field] of [[{}, "code"], [{ code: "" }, "code"], [{ code: "ANY", extra: 1 }, "extra"]] as const) {
      const reply = await call("POST", `/v1/customers/${a.id}/vouchers`, body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(fieldsOf(reply)).toContain(field)
    }

    const disabled = (await call("POST", "/v1/vouchers", { code: "OFF", type: "percentage", percentage: "5" })).json
    await call("PATCH", `/v1/vouchers/${disabled.id}`, { status: "disabled" })
    const refusedDisabled = await call("POST", `/v1/customers/${a.id}/vouchers`, { code: "OFF" })
    expect(refusedDisabled.status).toBe(409)
    expect(refusedDisabled.json.detail).toBe("This voucher is disabled")
    await call("PATCH", `/v1/vouchers/${disabled.id}`, { status: "active" })
    expect((await call("POST", `/v1/customers/${a.id}/vouchers`, { code: "OFF" })).status).toBe(201)

    const expiring = (await call("POST", "/v1/vouchers", { code: "OLD", type: "percentage", percentage: "5", expires_at: "2999-01-01" })).json
    expect((await call("PATCH", `/v1/vouchers/${expiring.id}`, { expires_at: "2001-01-01T00:00:00Z" })).json.expires_at).toBe("2001-01-01T00:00:00.000Z")
    const refusedExpired = await call("POST", `/v1/customers/${a.id}/vouchers`, { code: "OLD" })
    expect(refusedExpired.status).toBe(409)
    expect(refusedExpired.json.detail).toBe("This voucher has expired")

    const single = (await call("POST", "/v1/vouchers", { code: "ONE", type: "fixed", amounts: [{ amount: 500, currency: "EUR" }], max_redemptions: 1 })).json
    expect((await call("POST", `/v1/customers/${a.id}/vouchers`, { code: "ONE" })).status).toBe(201)
    const usedUp = await call("POST", `/v1/customers/${b.id}/vouchers`, { code: "ONE" })
    expect(usedUp.status).toBe(409)
    expect(usedUp.json.detail).toBe("This voucher has reached its max_redemptions")
    // The limit may be raised, never below what was redeemed already.
    const lowered = await call("PATCH", `/v1/vouchers/${single.id}`, { max_redemptions: 2 })
    expect(lowered.json.max_redemptions).toBe(2)
    expect((await call("POST", `/v1/customers/${b.id}/vouchers`, { code: "ONE" })).status).toBe(201)
    const tooLow = await call("PATCH", `/v1/vouchers/${single.id}`, { max_redemptions: 1 })
    expect(tooLow.status).toBe(422)
    expect(tooLow.json.errors).toEqual([{ field: "max_redemptions", message: "must be at least times_redeemed (2)" }])
  })

  it("lets exactly max_redemptions of many concurrent redemptions through", async () => {
    const { call } = await makeApp()
    const customers = await Promise.all(Array.from({ length: 8 }, (_, i) => call("POST", "/v1/customers", { email: `c${i}@example.com` })))
    const v = (await call("POST", "/v1/vouchers", { code: "LAST", type: "percentage", percentage: "50", max_redemptions: 3 })).json
    const replies = await Promise.all(customers.map((c) => call("POST", `/v1/customers/${c.json.id}/vouchers`, { code: "LAST" })))
    expect(replies.filter((r) => r.status === 201)).toHaveLength(3)
    expect(replies.filter((r) => r.status === 409)).toHaveLength(5)
    expect((await call("GET", `/v1/vouchers/${v.id}`)).json.times_redeemed).toBe(3)
    // One customer racing itself gets the voucher once.
    const solo = (await call("POST", "/v1/customers", { email: "solo@example.com" })).json
    await call("POST", "/v1/vouchers", { code: "SOLO", type: "percentage", percentage: "5" })
    const own = await Promise.all(Array.from({ length: 4 }, () => call("POST", `/v1/customers/${solo.id}/vouchers`, { code: "SOLO" })))
    expect(own.map((r) => r.status).sort()).toEqual([201, 409, 409, 409])
  })

  it("need the vouchers scope and stay inside their project", async () => {
    const { app, call, request } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const v = (await call("POST", "/v1/vouchers", { code: "MINE", type: "percentage", percentage: "5" })).json
    const reader = (await call("POST", "/v1/api-keys", { name: "r", scopes: ["vouchers:read"] })).json.secret
    expect((await request(reader, "GET", "/v1/vouchers")).status).toBe(200)
    expect((await request(reader, "POST", "/v1/vouchers", { code: "X", type: "percentage", percentage: "5" })).status).toBe(403)
    expect((await request(reader, "POST", `/v1/customers/${customer.id}/vouchers`, { code: "MINE" })).status).toBe(403)
    const other = await app.createProject("Other")
    expect((await request(other.testKey, "GET", `/v1/vouchers/${v.id}`)).status).toBe(404)
    // The code is free in another project and mode.
    expect((await request(other.liveKey, "POST", "/v1/vouchers", { code: "MINE", type: "percentage", percentage: "5" })).status).toBe(201)
  })
})

describe("Vouchers service (for the invoice engine)", () => {
  const TestServices = ServicesLive.pipe(Layer.provideMerge(layerMemory))
  const tenant = Effect.provideService(CurrentTenant, { projectId: "proj_1", mode: "test" as const })

  effect.effect("reports active discounts with the cycles they have left, and exhausts them", () =>
    Effect.gen(function*() {
      yield* TestClock.setTime(Date.UTC(2025, 0, 15))
      const vouchers = yield* Vouchers
      const customer = yield* (yield* Customers).create({ email: "a@example.com" })
      expect(yield* vouchers.activeDiscounts(customer.id)).toEqual([])

      const once = yield* vouchers.create({ code: "ONCE", type: "percentage", percentage: BigDecimal.unsafeFromString("10") })
      const thrice = yield* vouchers.create({
        code: "THRICE", type: "fixed", amounts: [{ amount: 500, currency: "EUR" }], duration: "repeating", durationInCycles: 3,
        expiresAt: "2025-02-01T00:00:00.000Z"
      })
      const always = yield* vouchers.create({ code: "ALWAYS", type: "percentage", percentage: BigDecimal.unsafeFromString("2.5"), duration: "forever" })
      const r1 = yield* vouchers.redeem(customer.id, { code: "once" })
      const r2 = yield* vouchers.redeem(customer.id, { code: "thrice" })
      const r3 = yield* vouchers.redeem(customer.id, { code: "always" })

      const first = yield* vouchers.activeDiscounts(customer.id)
      expect(first.map((d) => [d.redemption, d.voucher, d.code, d.type, d.cyclesRemaining])).toEqual([
        [r1.id, once.id, "ONCE", "percentage", 1],
        [r2.id, thrice.id, "THRICE", "fixed", 3],
        [r3.id, always.id, "ALWAYS", "percentage", null]
      ])
      expect(BigDecimal.format(first[0].percentage!)).toBe("10")
      expect(BigDecimal.format(first[2].percentage!)).toBe("2.5")
      expect(first[1]).toMatchObject({ percentage: null, amounts: [{ amount: 500, currency: "EUR" }] })

      // One invoice used each; the `once` voucher is done.
      for (const d of first) yield* vouchers.recordCycle(d.redemption)
      // Past THRICE's expiry date: redeemed before it, it keeps applying for its duration.
      yield* TestClock.setTime(Date.UTC(2025, 2, 1))
      const second = yield* vouchers.activeDiscounts(customer.id)
      expect(second.map((d) => [d.code, d.cyclesRemaining])).toEqual([["THRICE", 2], ["ALWAYS", null]])
      for (let i = 0; i < 5; i++) for (const d of second) yield* vouchers.recordCycle(d.redemption)
      expect((yield* vouchers.activeDiscounts(customer.id)).map((d) => d.code)).toEqual(["ALWAYS"])

      const listed = yield* vouchers.listRedemptions(customer.id, { limit: 10 })
      expect(listed.data.map((r) => [r.code, r.status, r.cyclesUsed])).toEqual([
        ["ONCE", "exhausted", 1], ["THRICE", "exhausted", 3], ["ALWAYS", "active", 6]
      ])
      // An exhausted redemption no longer blocks the voucher from being applied anew.
      const again = yield* vouchers.redeem(customer.id, { code: "ONCE" })
      expect(again.status).toBe("active")
      expect((yield* vouchers.get(once.id)).timesRedeemed).toBe(2)
    }).pipe(Effect.provide(TestServices), tenant))

  effect.effect("keeps a disabled voucher's redemptions applying; a redemption rolls back with its transaction", () =>
    Effect.gen(function*() {
      const vouchers = yield* Vouchers
      const customer = yield* (yield* Customers).create({ email: "b@example.com" })
      const v = yield* vouchers.create({ code: "GONE", type: "percentage", percentage: BigDecimal.unsafeFromString("15"), duration: "forever" })
      yield* vouchers.redeem(customer.id, { code: "GONE" })
      yield* vouchers.update(v.id, { status: "disabled" })
      expect((yield* vouchers.activeDiscounts(customer.id)).map((d) => d.code)).toEqual(["GONE"])
      const exit = yield* Effect.exit(vouchers.recordCycle("red_01ARZ3NDEKTSV4RRFFQ69G5FAV"))
      expect(exit._tag).toBe("Failure")
    }).pipe(Effect.provide(TestServices), tenant))
})

// The worked voucher scenario (a repeating percentage voucher over renewals), as on SQLite and Postgres.
billingScenarios("memory", memoryUnderTest, ["voucher"])
