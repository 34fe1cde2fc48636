/**
 * Referrals over REST: one code per customer with its stats, apply refusing self-referral and a
 * second referral (422 on `customer`), the referred voucher on apply, and the referrer's reward
 * given exactly once after the referred customer's first paid invoice, even across a refund and
 * a later payment. Runs on memory, SQLite and Postgres (a database of its own on the test server).
 */
import { makeMemoryStorage } from "@billkit/core"
import { makePostgresStorage } from "@billkit/postgres"
import { makeSqliteStorage } from "@billkit/sqlite"
import { createTestDatabase } from "@billkit/testing"
import { afterAll, describe, expect, it } from "vitest"
import { makeApp } from "./support.js"

const fieldsOf = (reply: { json: { errors?: Array<{ field: string }> } }) => (reply.json.errors ?? []).map((e) => e.field)

const backends: Array<[string, () => Promise<Parameters<typeof makeApp>[0]>]> = [
  ["memory", async () => ({ storage: makeMemoryStorage() })],
  ["sqlite", async () => {
    const sqlite = makeSqliteStorage({ filename: ":memory:" })
    await sqlite.migrate()
    return { storage: sqlite.storage }
  }],
  ["postgres", async () => {
    const database = await createTestDatabase()
    const postgres = makePostgresStorage({ connectionString: database.url, max: 4 })
    await postgres.migrate()
    closers.push(async () => {
      await postgres.close()
      await database.drop()
    })
    return { storage: postgres.storage }
  }]
]

const closers: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const close of closers) await close()
})

describe.each(backends)("referrals (%s)", (_name, options) => {
  const setUp = async () => {
    const app = await makeApp(await options())
    const { call } = app
    const ok = async (method: string, path: string, body?: unknown) => {
      const reply = await call(method, path, body)
      expect(reply.status, `${method} ${path}: ${JSON.stringify(reply.json)}`).toBeLessThan(300)
      return reply.json
    }
    const customer = (email: string) => ok("POST", "/v1/customers", { email })
    return { ...app, ok, customer }
  }

  it("credits the referrer exactly once, after the first paid invoice, across pay, refund and pay", async () => {
    const { call, ok, customer } = await setUp()
    const alice = await customer("alice@example.com")
    const bob = await customer("bob@example.com")
    await ok("POST", `/v1/customers/${bob.id}/payment-methods`, { token: "tok_visa" })

    expect(await ok("GET", "/v1/referrals/config")).toMatchObject({ object: "referral_config", referrer_reward: null, referred_reward: null })
    const config = await ok("PUT", "/v1/referrals/config", { referrer_reward: { type: "balance_credit", amount: 1500, currency: "eur" } })
    expect(config.referrer_reward).toEqual({ type: "balance_credit", amount: 1500, currency: "EUR" })

    const code = await call("POST", "/v1/referral-codes", { customer: alice.id, code: "Alice-Friends" })
    expect(code.status).toBe(201)
    expect(code.json).toMatchObject({ object: "referral_code", code: "Alice-Friends", customer: alice.id, times_applied: 0, conversions: 0, rewards_given: 0 })

    // Codes ignore case.
    const applied = await call("POST", "/v1/referral-codes/alice-friends/apply", { customer: bob.id })
    expect(applied.status).toBe(201)
    expect(applied.json).toMatchObject({ object: "referral", referrer: alice.id, customer: bob.id, status: "pending", reward: null })

    // Nothing is given before an invoice is paid.
    expect((await ok("GET", `/v1/customers/${alice.id}/balance`)).balances).toEqual([])

    const first = await ok("POST", "/v1/invoices", { customer: bob.id, currency: "EUR", lines: [{ description: "Setup", unit_amount: 5000 }] })
    expect((await ok("POST", `/v1/invoices/${first.id}/pay`, {})).status).toBe("paid")
    expect((await ok("GET", `/v1/customers/${alice.id}/balance`)).balances).toEqual([{ currency: "EUR", amount: 1500 }])

    // Refunded in full, then paid again by a new invoice: the reward stays given once.
    const payment = (await ok("GET", `/v1/payments?customer=${bob.id}`)).data[0]
    await ok("POST", `/v1/payments/${payment.id}/refunds`, { amount: 5000 })
    const second = await ok("POST", "/v1/invoices", { customer: bob.id, currency: "EUR", lines: [{ description: "Setup again", unit_amount: 5000 }] })
    expect((await ok("POST", `/v1/invoices/${second.id}/pay`, {})).status).toBe("paid")
    expect((await ok("GET", `/v1/customers/${alice.id}/balance`)).balances).toEqual([{ currency: "EUR", amount: 1500 }])
    const ledger = (await ok("GET", `/v1/customers/${alice.id}/balance/transactions`)).data
    expect(ledger.map((t: { amount: number; balance_after: number }) => [t.amount, t.balance_after])).toEqual([[1500, 1500]])

    const codes = (await ok("GET", `/v1/referral-codes?customer=${alice.id}`)).data
    expect(codes).toHaveLength(1)
    expect(codes[0]).toMatchObject({ times_applied: 1, conversions: 1, rewards_given: 1 })

    const appliedEvents = (await ok("GET", "/v1/events?type=referral.applied")).data
    expect(appliedEvents.map((e: { subject: string }) => e.subject)).toEqual([applied.json.id])
    const rewarded = (await ok("GET", "/v1/events?type=referral.rewarded")).data
    expect(rewarded).toHaveLength(1)
    expect(rewarded[0].data).toMatchObject({
      id: applied.json.id, status: "rewarded", converting_invoice: first.id, reward: ledger[0].id
    })
  })

  it("refuses self-referral and a second referral with 422 on customer, writing nothing", async () => {
    const { call, ok, customer } = await setUp()
    const alice = await customer("alice@example.com")
    const bob = await customer("bob@example.com")
    const carol = await customer("carol@example.com")
    const aliceCode = await ok("POST", "/v1/referral-codes", { customer: alice.id })
    expect(aliceCode.code).toMatch(/^[0-9A-Z]{8}$/)
    const carolCode = await ok("POST", "/v1/referral-codes", { customer: carol.id, code: "CAROL" })

    const self = await call("POST", `/v1/referral-codes/${aliceCode.code}/apply`, { customer: alice.id })
    expect(self.status).toBe(422)
    expect(fieldsOf(self)).toEqual(["customer"])

    expect((await call("POST", `/v1/referral-codes/${aliceCode.code}/apply`, { customer: bob.id })).status).toBe(201)
    for (const code of [aliceCode.code, carolCode.code]) {
      const again = await call("POST", `/v1/referral-codes/${code}/apply`, { customer: bob.id })
      expect(again.status).toBe(422)
      expect(fieldsOf(again)).toEqual(["customer"])
    }
    const stats = (await ok("GET", "/v1/referral-codes")).data.map((c: { code: string; times_applied: number }) => [c.code, c.times_applied])
    expect(stats).toEqual([[aliceCode.code, 1], ["CAROL", 0]])
    expect((await ok("GET", "/v1/events?type=referral.applied")).data).toHaveLength(1)

    // One code per customer, and a code belongs to one customer.
    expect((await call("POST", "/v1/referral-codes", { customer: alice.id, code: "ANOTHER" })).status).toBe(409)
    expect((await call("POST", "/v1/referral-codes", { customer: bob.id, code: "carol" })).status).toBe(409)
    expect((await call("POST", "/v1/referral-codes/NOPE/apply", { customer: bob.id })).status).toBe(404)
    const bad = await call("POST", "/v1/referral-codes", { customer: bob.id, code: "has space" })
    expect([bad.status, fieldsOf(bad)]).toEqual([422, ["code"]])
  })

  it("redeems the referred voucher on apply and can reward the referrer with a voucher", async () => {
    const { call, ok, customer } = await setUp()
    const alice = await customer("alice@example.com")
    const bob = await customer("bob@example.com")
    await ok("POST", `/v1/customers/${bob.id}/payment-methods`, { token: "tok_visa" })
    await ok("POST", "/v1/vouchers", { code: "WELCOME", type: "percentage", percentage: 10, duration: "once" })
    await ok("POST", "/v1/vouchers", { code: "THANKS", type: "fixed", amounts: [{ amount: 500, currency: "EUR" }], duration: "once" })

    const missing = await call("PUT", "/v1/referrals/config", { referred_reward: { type: "voucher", voucher: "NOPE" } })
    expect([missing.status, fieldsOf(missing)]).toEqual([422, ["referred_reward.voucher"]])
    await ok("PUT", "/v1/referrals/config", { referred_reward: { type: "voucher", voucher: "WELCOME" } })
    const config = await ok("PUT", "/v1/referrals/config", { referrer_reward: { type: "voucher", voucher: "THANKS" } })
    expect(config).toMatchObject({ referred_reward: { type: "voucher", voucher: "WELCOME" }, referrer_reward: { type: "voucher", voucher: "THANKS" } })

    await ok("POST", "/v1/referral-codes", { customer: alice.id, code: "ALICE" })
    const referral = await ok("POST", "/v1/referral-codes/ALICE/apply", { customer: bob.id })
    const bobVouchers = (await ok("GET", `/v1/customers/${bob.id}/vouchers`)).data
    expect(bobVouchers.map((r: { id: string; code: string }) => [r.id, r.code])).toEqual([[referral.referred_redemption, "WELCOME"]])

    const invoice = await ok("POST", "/v1/invoices", { customer: bob.id, currency: "EUR", lines: [{ description: "Setup", unit_amount: 5000 }] })
    await ok("POST", `/v1/invoices/${invoice.id}/pay`, {})
    const aliceVouchers = (await ok("GET", `/v1/customers/${alice.id}/vouchers`)).data
    expect(aliceVouchers.map((r: { code: string }) => r.code)).toEqual(["THANKS"])
    expect((await ok("GET", "/v1/referral-codes")).data[0]).toMatchObject({ times_applied: 1, conversions: 1, rewards_given: 1 })
  })
})
