/** Payment methods over the fake provider: attach by test token, list, default switching, detach. */
import { it as effect } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { describe, expect, it } from "vitest"
import {
  CurrentTenant, Customers, PaymentMethods, ServicesLive, fakeTokens, layerMemory, makeFakePaymentProvider, makeIdGenerator
} from "@billkit/core"
import { makeApp } from "./support.js"

const fieldsOf = (reply: { json: { errors?: Array<{ field: string }> } }) => (reply.json.errors ?? []).map((e) => e.field)

describe("payment methods", () => {
  it("attach by token; the first becomes the default", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const base = `/v1/customers/${customer.id}/payment-methods`
    const visa = await call("POST", base, { token: "tok_visa" })
    expect(visa.status).toBe(201)
    expect(visa.json).toEqual({
      id: expect.stringMatching(/^pm_[0-9A-Z]{26}$/), object: "payment_method", customer: customer.id, type: "card",
      brand: "visa", last4: "4242", exp_month: 12, exp_year: new Date().getUTCFullYear() + 5, is_default: true,
      status: "active", provider_ref: expect.stringMatching(/^fake_pm_succeeds_[0-9A-Z]+$/),
      created_at: expect.stringMatching(/Z$/), detached_at: null
    })
    const mastercard = await call("POST", base, { token: "tok_mastercard" })
    expect(mastercard.json).toMatchObject({ brand: "mastercard", last4: "4444", is_default: false })
    const list = (await call("GET", base)).json
    expect(list).toMatchObject({ object: "list", has_more: false })
    expect(list.data.map((m: { id: string; is_default: boolean }) => [m.id, m.is_default])).toEqual([
      [visa.json.id, true], [mastercard.json.id, false]
    ])
  })

  it("switches the default, and hands it to the newest remaining method on detach", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const base = `/v1/customers/${customer.id}/payment-methods`
    const a = (await call("POST", base, { token: "tok_visa" })).json
    const b = (await call("POST", base, { token: "tok_mastercard" })).json
    const c = (await call("POST", base, { token: "tok_chargeDeclined" })).json
    const defaults = async () =>
      (await call("GET", base)).json.data.filter((m: { is_default: boolean }) => m.is_default).map((m: { id: string }) => m.id)

    const made = await call("POST", `${base}/${b.id}/default`)
    expect(made.status).toBe(200)
    expect(made.json).toMatchObject({ id: b.id, is_default: true })
    expect(await defaults()).toEqual([b.id])
    // Making the default the default again changes nothing.
    expect((await call("POST", `${base}/${b.id}/default`)).json.is_default).toBe(true)
    expect(await defaults()).toEqual([b.id])

    // Detaching another method leaves the default alone.
    const detachedA = await call("DELETE", `${base}/${a.id}`)
    expect(detachedA.status).toBe(200)
    expect(detachedA.json).toMatchObject({ id: a.id, status: "detached", is_default: false, detached_at: expect.stringMatching(/Z$/) })
    expect(await defaults()).toEqual([b.id])

    // Detaching the default hands it to the newest remaining method.
    const attachedLater = (await call("POST", base, { token: "tok_insufficientFunds" })).json
    expect(attachedLater.is_default).toBe(false)
    await call("DELETE", `${base}/${b.id}`)
    expect(await defaults()).toEqual([attachedLater.id])
    expect((await call("GET", base)).json.data.map((m: { id: string }) => m.id)).toEqual([c.id, attachedLater.id])
    expect((await call("GET", `${base}?status=detached`)).json.data.map((m: { id: string }) => m.id)).toEqual([a.id, b.id])

    // Detaching twice answers the detached method; a detached method cannot become the default.
    const again = await call("DELETE", `${base}/${b.id}`)
    expect(again.status).toBe(200)
    expect(again.json.status).toBe("detached")
    const refused = await call("POST", `${base}/${a.id}/default`)
    expect(refused.status).toBe(409)
    expect(refused.json.detail).toBe("A detached payment method cannot become the default")

    // Detaching the last ones leaves no default at all.
    await call("DELETE", `${base}/${attachedLater.id}`)
    expect(await defaults()).toEqual([c.id])
    await call("DELETE", `${base}/${c.id}`)
    expect((await call("GET", base)).json.data).toEqual([])
    // A method attached afterwards is the default again.
    expect((await call("POST", base, { token: "tok_visa" })).json.is_default).toBe(true)
  })

  it("answers 422 on token for an unknown or bad token and 404 for unknown records", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const other = (await call("POST", "/v1/customers", { email: "b@example.com" })).json
    const base = `/v1/customers/${customer.id}/payment-methods`
    for (const body of [{ token: "tok_unknown" }, { token: "" }, {}, { token: 42 }, { token: "__proto__" }, { token: "toString" }]) {
      const reply = await call("POST", base, body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(fieldsOf(reply), JSON.stringify(body)).toEqual(["token"])
    }
    const unknown = await call("POST", base, { token: "tok_unknown" })
    expect(unknown.json.errors[0].message).toContain("tok_visa")
    const extra = await call("POST", base, { token: "tok_visa", card: "4242" })
    expect(extra.status).toBe(422)
    expect(fieldsOf(extra)).toEqual(["card"])
    expect((await call("GET", base)).json.data).toEqual([])

    const missingCustomer = "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV"
    expect((await call("POST", `/v1/customers/${missingCustomer}/payment-methods`, { token: "tok_visa" })).status).toBe(404)
    expect((await call("GET", `/v1/customers/${missingCustomer}/payment-methods`)).status).toBe(404)
    const pm = (await call("POST", base, { token: "tok_visa" })).json
    // Another customer's method is as missing as an unknown one.
    for (const [method, path] of [
      ["DELETE", `/v1/customers/${other.id}/payment-methods/${pm.id}`],
      ["POST", `/v1/customers/${other.id}/payment-methods/${pm.id}/default`],
      ["DELETE", `${base}/pm_01ARZ3NDEKTSV4RRFFQ69G5FAV`],
      ["POST", `${base}/pm_01ARZ3NDEKTSV4RRFFQ69G5FAV/default`]
    ] as const) {
      const reply = await call(method, path)
      expect(reply.status, `${method} ${path}`).toBe(404)
      expect(reply.json.type).toBe("urn:billkit:error:not_found")
    }
    expect((await call("GET", base)).json.data[0]).toMatchObject({ id: pm.id, status: "active", is_default: true })
    expect((await call("GET", `${base}?status=gone`)).status).toBe(400)
  })

  it("need the customers scope", async () => {
    const { call, request } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const reader = (await call("POST", "/v1/api-keys", { name: "r", scopes: ["customers:read"] })).json.secret
    expect((await request(reader, "GET", `/v1/customers/${customer.id}/payment-methods`)).status).toBe(200)
    expect((await request(reader, "POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })).status).toBe(403)
  })

  it("keep one default when many are attached at once", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const base = `/v1/customers/${customer.id}/payment-methods`
    const replies = await Promise.all(Array.from({ length: 6 }, () => call("POST", base, { token: "tok_visa" })))
    expect(replies.every((r) => r.status === 201)).toBe(true)
    expect(replies.filter((r) => r.json.is_default)).toHaveLength(1)
  })
})

describe("fake payment provider", () => {
  // A deterministic generator: the same bytes every time, as a seeded test would use.
  const seeded = () => makeIdGenerator((n) => new Uint8Array(n).fill(7))

  effect.effect("behaves like Stripe's test tokens", () =>
    Effect.gen(function*() {
      const provider = makeFakePaymentProvider(seeded())
      const charge = (providerRef: string, key: string) =>
        provider.charge({ providerRef, amount: 1000, currency: "EUR", description: "Invoice 1", idempotencyKey: key })

      const cards = yield* Effect.forEach(Object.keys(fakeTokens), (token) => provider.createPaymentMethod(token))
      expect(cards.map((c) => [c.brand, c.last4])).toEqual([
        ["visa", "4242"], ["mastercard", "4444"], ["visa", "0002"], ["visa", "9995"], ["visa", "3184"]
      ])
      const [visa, mastercard, declined, insufficient, threeDs] = cards
      expect(visa.providerRef).toMatch(/^fake_pm_succeeds_/)
      expect(yield* charge(visa.providerRef, "k1")).toEqual({ status: "succeeded", providerRef: "fake_ch_k1" })
      expect((yield* charge(mastercard.providerRef, "k2")).status).toBe("succeeded")
      // Every charge of these fails, however often it is tried.
      for (const key of ["k3", "k4"]) {
        expect(yield* charge(declined.providerRef, `${key}d`)).toMatchObject({ status: "failed", failureCode: "card_declined" })
        expect(yield* charge(insufficient.providerRef, `${key}i`)).toMatchObject({ status: "failed", failureCode: "insufficient_funds" })
        expect(yield* charge(threeDs.providerRef, `${key}a`)).toEqual({ status: "requires_action", providerRef: `fake_ch_${key}a` })
      }
      // Retrying with the same idempotency key is the same charge.
      expect((yield* charge(visa.providerRef, "k1")).providerRef).toBe("fake_ch_k1")
      expect(yield* charge("pm_from_elsewhere", "k5")).toMatchObject({ status: "failed", failureCode: "payment_method_unknown" })
      expect(yield* provider.charge({ providerRef: visa.providerRef, amount: 0, currency: "EUR", description: "", idempotencyKey: "k6" }))
        .toMatchObject({ status: "failed", failureCode: "amount_invalid" })

      // Like Stripe: the same key with another body (card, amount or currency) moves nothing.
      for (const other of [
        { providerRef: mastercard.providerRef, amount: 1000, currency: "EUR" },
        { providerRef: visa.providerRef, amount: 1001, currency: "EUR" },
        { providerRef: visa.providerRef, amount: 1000, currency: "USD" }
      ]) {
        const reused = yield* Effect.flip(provider.charge({ ...other, description: "", idempotencyKey: "k1" }))
        expect(reused).toMatchObject({ _tag: "IdempotencyKeyReused", idempotencyKey: "k1" })
      }

      const refund = yield* provider.refund({ providerPaymentRef: "fake_ch_k1", amount: 400, currency: "EUR", idempotencyKey: "re_1" })
      expect(refund).toEqual({ providerRef: "fake_re_re_1", status: "succeeded" })
      expect(yield* provider.refund({ providerPaymentRef: "fake_ch_k1", amount: 400, currency: "EUR", idempotencyKey: "re_1" })).toEqual(refund)
      expect(yield* Effect.flip(provider.refund({ providerPaymentRef: "fake_ch_k1", amount: 401, currency: "EUR", idempotencyKey: "re_1" })))
        .toMatchObject({ _tag: "IdempotencyKeyReused" })
      expect((yield* provider.refund({ providerPaymentRef: "ch_elsewhere", amount: 400, currency: "EUR", idempotencyKey: "re_2" })).status).toBe("failed")
      expect((yield* provider.refund({ providerPaymentRef: "fake_ch_k1", amount: 0, currency: "EUR", idempotencyKey: "re_3" })).status).toBe("failed")

      const rejected = yield* Effect.flip(provider.createPaymentMethod("tok_nope"))
      expect(rejected._tag).toBe("PaymentMethodRejected")
    }))

  effect.effect("is stateless and deterministic: another instance charges a method the same way", () =>
    Effect.gen(function*() {
      const first = yield* makeFakePaymentProvider(seeded()).createPaymentMethod("tok_chargeDeclined")
      const again = yield* makeFakePaymentProvider(seeded()).createPaymentMethod("tok_chargeDeclined")
      expect(again).toEqual(first)
      const elsewhere = makeFakePaymentProvider(seeded())
      const outcome = yield* elsewhere.charge({ providerRef: first.providerRef, amount: 500, currency: "USD", description: "x", idempotencyKey: "a" })
      expect(outcome).toMatchObject({ status: "failed", failureCode: "card_declined", failureMessage: "Your card was declined." })
    }))
})

describe("PaymentMethods service (for the payment engine)", () => {
  const TestServices = ServicesLive.pipe(Layer.provideMerge(layerMemory))
  const tenant = Effect.provideService(CurrentTenant, { projectId: "proj_1", mode: "test" as const })

  effect.effect("defaultFor, get and attach", () =>
    Effect.gen(function*() {
      const methods = yield* PaymentMethods
      const customer = yield* (yield* Customers).create({ email: "a@example.com" })
      expect(Option.isNone(yield* methods.defaultFor(customer.id))).toBe(true)
      const card = yield* methods.attach(customer.id, "tok_threeDSecure")
      expect(yield* methods.defaultFor(customer.id)).toEqual(Option.some(card))
      expect(yield* methods.get(customer.id, card.id)).toEqual(card)
      expect(yield* methods.find(customer.id, card.id)).toEqual(Option.some(card))
      expect(yield* methods.find("cus_01ARZ3NDEKTSV4RRFFQ69G5FAV", card.id)).toEqual(Option.none())
      const refused = yield* Effect.flip(methods.attach(customer.id, "tok_bogus"))
      expect(refused).toMatchObject({ _tag: "Invalid", field: "token" })
      yield* methods.detach(customer.id, card.id)
      expect(Option.isNone(yield* methods.defaultFor(customer.id))).toBe(true)
    }).pipe(Effect.provide(TestServices), tenant))
})
