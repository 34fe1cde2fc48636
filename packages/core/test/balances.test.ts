/** Customer balances: adjustments, the per-customer view, the ledger, and the page-number list. */
import { it as effect } from "@effect/vitest"
import { Effect, Exit, Layer } from "effect"
import { describe, expect, it } from "vitest"
import { Balances, CurrentTenant, Customers, ServicesLive, layerMemory } from "@billkit/core"
import { makeApp } from "./support.js"

const fieldsOf = (reply: { json: { errors?: Array<{ field: string }> } }) => (reply.json.errors ?? []).map((e) => e.field)

describe("customer balance", () => {
  it("credits and debits by adjustment, per currency, with the balance after each", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const base = `/v1/customers/${customer.id}/balance`
    expect((await call("GET", base)).json).toEqual({ object: "customer_balance", customer: customer.id, balances: [] })

    const credit = await call("POST", `${base}/adjustments`, { amount: 1000, currency: "eur", description: "Goodwill" })
    expect(credit.status).toBe(201)
    expect(credit.json).toEqual({
      id: expect.stringMatching(/^btx_[0-9A-Z]{26}$/), object: "balance_transaction", customer: customer.id, currency: "EUR",
      amount: 1000, balance_after: 1000, type: "adjustment", invoice: null, description: "Goodwill",
      created_at: expect.stringMatching(/Z$/)
    })
    expect((await call("POST", `${base}/adjustments`, { amount: -300, currency: "EUR" })).json).toMatchObject({ balance_after: 700, description: null })
    // An adjustment may take the balance below zero: the customer then owes it.
    expect((await call("POST", `${base}/adjustments`, { amount: -1000, currency: "EUR" })).json.balance_after).toBe(-300)
    await call("POST", `${base}/adjustments`, { amount: 500, currency: "USD", description: "Promo" })
    await call("POST", `${base}/adjustments`, { amount: 7, currency: "JPY" })
    expect((await call("GET", base)).json.balances).toEqual([
      { currency: "EUR", amount: -300 }, { currency: "JPY", amount: 7 }, { currency: "USD", amount: 500 }
    ])

    const ledger = (await call("GET", `${base}/transactions`)).json
    expect(ledger.data.map((t: { amount: number; balance_after: number; currency: string }) => [t.currency, t.amount, t.balance_after])).toEqual([
      ["EUR", 1000, 1000], ["EUR", -300, 700], ["EUR", -1000, -300], ["USD", 500, 500], ["JPY", 7, 7]
    ])
    const usd = (await call("GET", `${base}/transactions?currency=usd&include_total=true`)).json
    expect(usd.total).toBe(1)
    expect(usd.data[0].description).toBe("Promo")
  })

  it("refuses bad adjustments by field and unknown customers with 404, writing nothing", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const base = `/v1/customers/${customer.id}/balance`
    const cases: Array<[unknown, string]> = [
      [{ currency: "EUR" }, "amount"],
      [{ amount: 0, currency: "EUR" }, "amount"],
      [{ amount: 1.5, currency: "EUR" }, "amount"],
      [{ amount: "100", currency: "EUR" }, "amount"],
      [{ amount: 2 ** 60, currency: "EUR" }, "amount"],
      [{ amount: 100 }, "currency"],
      [{ amount: 100, currency: "XYZ" }, "currency"],
      [{ amount: 100, currency: "EUR", description: "x".repeat(501) }, "description"],
      [{ amount: 100, currency: "EUR", type: "refund" }, "type"]
    ]
    for (const [body, field] of cases) {
      const reply = await call("POST", `${base}/adjustments`, body)
      expect(reply.status, JSON.stringify(body)).toBe(422)
      expect(fieldsOf(reply), JSON.stringify(body)).toContain(field)
    }
    expect((await call("GET", base)).json.balances).toEqual([])

    // Past the safe integer range in sum: refused, not rounded.
    await call("POST", `${base}/adjustments`, { amount: Number.MAX_SAFE_INTEGER, currency: "EUR" })
    const overflow = await call("POST", `${base}/adjustments`, { amount: 1, currency: "EUR" })
    expect(overflow.status).toBe(422)
    expect(fieldsOf(overflow)).toEqual(["amount"])
    expect((await call("GET", base)).json.balances).toEqual([{ currency: "EUR", amount: Number.MAX_SAFE_INTEGER }])

    const missing = "/v1/customers/cus_01ARZ3NDEKTSV4RRFFQ69G5FAV/balance"
    expect((await call("GET", missing)).status).toBe(404)
    expect((await call("POST", `${missing}/adjustments`, { amount: 100, currency: "EUR" })).status).toBe(404)
    expect((await call("GET", `${missing}/transactions`)).status).toBe(404)
  })

  it("adds up concurrent adjustments exactly", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    const base = `/v1/customers/${customer.id}/balance`
    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) =>
      call("POST", `${base}/adjustments`, { amount: i % 2 === 0 ? 300 : -100, currency: "EUR" })))
    expect(replies.every((r) => r.status === 201)).toBe(true)
    expect((await call("GET", base)).json.balances).toEqual([{ currency: "EUR", amount: 1000 }])
    const afters = replies.map((r) => r.json.balance_after)
    expect(new Set(afters).size).toBe(10)
  })

  it("need the balances scope and stay inside their project", async () => {
    const { app, call, request } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "a@example.com" })).json
    await call("POST", `/v1/customers/${customer.id}/balance/adjustments`, { amount: 100, currency: "EUR" })
    const reader = (await call("POST", "/v1/api-keys", { name: "r", scopes: ["balances:read"] })).json.secret
    expect((await request(reader, "GET", `/v1/customers/${customer.id}/balance`)).status).toBe(200)
    expect((await request(reader, "GET", "/v1/balances")).status).toBe(200)
    expect((await request(reader, "POST", `/v1/customers/${customer.id}/balance/adjustments`, { amount: 1, currency: "EUR" })).status).toBe(403)
    const other = await app.createProject("Other")
    expect((await request(other.testKey, "GET", `/v1/customers/${customer.id}/balance`)).status).toBe(404)
    expect((await request(other.testKey, "GET", "/v1/balances")).json.meta.total).toBe(0)
  })
})

describe("GET /v1/balances (page numbers)", () => {
  it("pages every balance of the project with meta totals and links", async () => {
    const { call } = await makeApp()
    const balanceIds: Array<string> = []
    const customers: Array<string> = []
    for (let i = 0; i < 7; i++) {
      const c = (await call("POST", "/v1/customers", { email: `c${i}@example.com` })).json
      customers.push(c.id)
      await call("POST", `/v1/customers/${c.id}/balance/adjustments`, { amount: 100 * (i + 1), currency: "EUR" })
    }
    // A second currency of the first customer: one more balance.
    await call("POST", `/v1/customers/${customers[0]}/balance/adjustments`, { amount: 5, currency: "USD" })

    const all = (await call("GET", "/v1/balances")).json
    expect(all.object).toBe("list")
    expect(all.meta).toEqual({
      total: 8, per_page: 30, current_page: 1, last_page: 1, first_page: 1,
      first_page_url: "?page_num=1&page_size=30", last_page_url: "?page_num=1&page_size=30",
      next_page_url: null, previous_page_url: null
    })
    for (const b of all.balances) balanceIds.push(b.id)
    expect(all.balances[0]).toEqual({
      id: expect.stringMatching(/^bal_[0-9A-Z]{26}$/), object: "balance", customer: customers[0], currency: "EUR", amount: 100,
      created_at: expect.stringMatching(/Z$/), updated_at: expect.stringMatching(/Z$/)
    })
    expect(all.balances.map((b: { currency: string; amount: number }) => [b.currency, b.amount])).toEqual([
      ["EUR", 100], ["EUR", 200], ["EUR", 300], ["EUR", 400], ["EUR", 500], ["EUR", 600], ["EUR", 700], ["USD", 5]
    ])

    const page = async (q: string) => (await call("GET", `/v1/balances?${q}`)).json
    const p1 = await page("page_num=1&page_size=3")
    expect(p1.balances.map((b: { id: string }) => b.id)).toEqual(balanceIds.slice(0, 3))
    expect(p1.meta).toMatchObject({
      total: 8, per_page: 3, current_page: 1, last_page: 3, next_page_url: "?page_num=2&page_size=3", previous_page_url: null,
      last_page_url: "?page_num=3&page_size=3"
    })
    const p2 = await page("page_num=2&page_size=3")
    expect(p2.balances.map((b: { id: string }) => b.id)).toEqual(balanceIds.slice(3, 6))
    expect(p2.meta).toMatchObject({ current_page: 2, next_page_url: "?page_num=3&page_size=3", previous_page_url: "?page_num=1&page_size=3" })
    const p3 = await page("page_num=3&page_size=3")
    expect(p3.balances.map((b: { id: string }) => b.id)).toEqual(balanceIds.slice(6))
    expect(p3.meta).toMatchObject({ current_page: 3, next_page_url: null, previous_page_url: "?page_num=2&page_size=3" })
    const beyond = await page("page_num=9&page_size=3")
    expect(beyond.balances).toEqual([])
    expect(beyond.meta).toMatchObject({ total: 8, current_page: 9, last_page: 3, next_page_url: null, previous_page_url: "?page_num=3&page_size=3" })

    const mine = await page(`customer=${customers[0]}&page_size=1&page_num=2`)
    expect(mine.balances.map((b: { currency: string }) => b.currency)).toEqual(["USD"])
    expect(mine.meta).toMatchObject({ total: 2, last_page: 2, previous_page_url: `?page_num=1&page_size=1&customer=${customers[0]}` })

    for (const q of ["page_num=0", "page_num=-1", "page_num=abc", "page_size=0", "page_size=51", "page_size=2.5"]) {
      const reply = await call("GET", `/v1/balances?${q}`)
      expect(reply.status, q).toBe(400)
      expect([...new Set(fieldsOf(reply))], q).toEqual([q.split("=")[0]])
    }
    expect((await page("page_size=50")).meta.per_page).toBe(50)
  })

  it("is empty with one page when there are no balances", async () => {
    const { call } = await makeApp()
    const empty = (await call("GET", "/v1/balances?page_num=2")).json
    expect(empty.balances).toEqual([])
    expect(empty.meta).toMatchObject({ total: 0, last_page: 1, current_page: 2, next_page_url: null, previous_page_url: "?page_num=1&page_size=30" })
  })
})

describe("Balances service (for the invoice engine)", () => {
  const TestServices = ServicesLive.pipe(Layer.provideMerge(layerMemory))
  const tenant = Effect.provideService(CurrentTenant, { projectId: "proj_1", mode: "test" as const })

  effect.effect("available and record, with invoice references and no overdraft outside adjustments", () =>
    Effect.gen(function*() {
      const balances = yield* Balances
      const customer = yield* (yield* Customers).create({ email: "a@example.com" })
      expect(yield* balances.available(customer.id, "EUR")).toBe(0)
      const credit = yield* balances.record({ customer: customer.id, currency: "eur", amount: 2500, type: "credit_note", invoice: "inv_1", description: "Credit note" })
      expect(credit).toMatchObject({ currency: "EUR", amount: 2500, balanceAfter: 2500, type: "credit_note", invoice: "inv_1" })
      expect(yield* balances.available(customer.id, "EUR")).toBe(2500)
      expect(yield* balances.available(customer.id, "eur")).toBe(2500)
      expect(yield* balances.available(customer.id, "USD")).toBe(0)

      const applied = yield* balances.record({ customer: customer.id, currency: "EUR", amount: -2000, type: "applied_to_invoice", invoice: "inv_2" })
      expect(applied).toMatchObject({ balanceAfter: 500, description: null })
      // Spending more credit than the customer holds is a bug in the caller: a defect, nothing written.
      const overdraft = yield* Effect.exit(balances.record({ customer: customer.id, currency: "EUR", amount: -501, type: "applied_to_invoice", invoice: "inv_3" }))
      expect(Exit.isFailure(overdraft) && Exit.causeOption(overdraft).pipe((c) => c._tag === "Some")).toBe(true)
      expect(yield* balances.available(customer.id, "EUR")).toBe(500)
      // Adjustments may.
      expect((yield* balances.record({ customer: customer.id, currency: "EUR", amount: -600, type: "adjustment" })).balanceAfter).toBe(-100)
      expect(yield* balances.available(customer.id, "EUR")).toBe(-100)
      const ledger = yield* balances.listTransactions(customer.id, { limit: 10 })
      expect(ledger.data.map((t) => t.type)).toEqual(["credit_note", "applied_to_invoice", "adjustment"])
    }).pipe(Effect.provide(TestServices), tenant))
})
