/**
 * Races that only a real database can run: two servers (each its own pool, as two processes
 * would be) over one Postgres, hit at once. Row locks must keep counts and defaults exact.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billkit, type Billkit } from "@billkit/core"
import { makePostgresStorage, type PostgresStorage } from "@billkit/postgres"
import { createTestDatabase, type TestDatabase } from "@billkit/testing"

describe("billing races on one Postgres", () => {
  let database: TestDatabase
  const pools: Array<PostgresStorage> = []
  let servers: Array<Billkit> = []
  let key: string

  beforeAll(async () => {
    database = await createTestDatabase()
    for (let i = 0; i < 2; i++) pools.push(makePostgresStorage({ connectionString: database.url }))
    await Promise.all(pools.map((p) => p.migrate()))
    servers = pools.map((p) => billkit({ storage: p.storage, defaultRateLimits: [{ window: "second", max: 100_000 }] }))
    key = (await servers[0].bootstrap()).apiKey!
  })

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.dispose()))
    await Promise.all(pools.map((p) => p.close()))
    await database.drop()
  })

  /** Request `i` goes to server `i % 2`. */
  const call = async (i: number, method: string, path: string, body?: unknown) => {
    const response = await servers[i % 2].handler(new Request(`http://billkit.test${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    }))
    return { status: response.status, json: await response.json() }
  }

  const customers = (n: number, tag: string) =>
    Promise.all(Array.from({ length: n }, (_, i) => call(i, "POST", "/v1/customers", { email: `${tag}${i}@example.com` }).then((r) => r.json.id as string)))

  it("lets exactly max_redemptions of concurrent redemptions through", async () => {
    const ids = await customers(12, "v")
    const voucher = (await call(0, "POST", "/v1/vouchers", { code: "RACE", type: "percentage", percentage: "10", max_redemptions: 4 })).json
    const replies = await Promise.all(ids.map((id, i) => call(i, "POST", `/v1/customers/${id}/vouchers`, { code: "RACE" })))
    expect(replies.map((r) => r.status).sort()).toEqual([...Array(4).fill(201), ...Array(8).fill(409)])
    expect((await call(1, "GET", `/v1/vouchers/${voucher.id}`)).json.times_redeemed).toBe(4)

    // The last one, raced for by many.
    const last = (await call(0, "POST", "/v1/vouchers", { code: "LAST", type: "percentage", percentage: "10", max_redemptions: 1 })).json
    const lastReplies = await Promise.all(ids.map((id, i) => call(i, "POST", `/v1/customers/${id}/vouchers`, { code: "LAST" })))
    expect(lastReplies.filter((r) => r.status === 201)).toHaveLength(1)
    expect((await call(0, "GET", `/v1/vouchers/${last.id}`)).json.times_redeemed).toBe(1)

    // One customer racing itself holds the voucher once.
    await call(0, "POST", "/v1/vouchers", { code: "SELF", type: "percentage", percentage: "10" })
    const self = await Promise.all(Array.from({ length: 6 }, (_, i) => call(i, "POST", `/v1/customers/${ids[0]}/vouchers`, { code: "SELF" })))
    expect(self.filter((r) => r.status === 201)).toHaveLength(1)
  })

  it("adds up concurrent adjustments exactly, creating one balance row", async () => {
    const [id] = await customers(1, "b")
    const replies = await Promise.all(Array.from({ length: 16 }, (_, i) =>
      call(i, "POST", `/v1/customers/${id}/balance/adjustments`, { amount: 100, currency: "EUR" })))
    expect(replies.every((r) => r.status === 201)).toBe(true)
    expect(replies.map((r) => r.json.balance_after).sort((a, b) => a - b)).toEqual(Array.from({ length: 16 }, (_, i) => 100 * (i + 1)))
    expect((await call(0, "GET", `/v1/customers/${id}/balance`)).json.balances).toEqual([{ currency: "EUR", amount: 1600 }])
    expect((await call(1, "GET", `/v1/balances?customer=${id}`)).json.meta.total).toBe(1)
  })

  it("keeps one default payment method when several are attached at once", async () => {
    const [id] = await customers(1, "p")
    const replies = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      call(i, "POST", `/v1/customers/${id}/payment-methods`, { token: i % 2 ? "tok_visa" : "tok_mastercard" })))
    expect(replies.every((r) => r.status === 201)).toBe(true)
    expect(replies.filter((r) => r.json.is_default)).toHaveLength(1)
  })
})
