/**
 * Imports into Billkit's own records, once for every storage backend: a synced account becomes
 * customers, products (each with a plan), prices, subscriptions (read-only mirrors that Stripe
 * bills), invoices, payments and refunds, each carrying its `connection` and `provider_ids`; a
 * re-run updates and never duplicates; lists read one account at a time (`connection=`) and
 * payments, refunds and invoices by creation time (`from`/`to`).
 */
import { expect, it } from "vitest"
import type { Tenants } from "../auth/client.js"
import { inProcessAccounts, type AccountContents, type AccountsUnderTest } from "./accounts.js"
import type { SyncContext } from "./syncScenarios.js"
import { migrateScenarios } from "./migrateScenarios.js"

const contents: Required<AccountContents> = {
  customers: 60, products: 3, prices: 7, subscriptions: 40, invoices: 150, charges: 150, refunds: 3, balance_transactions: 5
}

/** Generated objects are a minute apart from here (accounts.ts). */
const base = 1_700_000_000
const iso = (seconds: number) => new Date(seconds * 1000).toISOString()

const run = (t: Tenants) => t.app.runSyncs({ pageSize: 25, backoffMs: 1 })

/** Hundreds of objects stored and imported per run: more than the default 30 s on Postgres under load. */
const heavy = 180_000

const totalOf = async (t: Tenants, path: string) =>
  (await t.ok(t.a.test, "GET", `${path}${path.includes("?") ? "&" : "?"}limit=1&include_total=true`)).total as number

const fieldsOf = (reply: { json?: { errors?: Array<{ field: string }> } }) => (reply.json?.errors ?? []).map((e) => e.field)

export const importScenarios = (ctx: SyncContext & { readonly accounts?: () => AccountsUnderTest }) => {
  const importAccount = async (t: Tenants, accounts: AccountsUnderTest) => {
    const account = await accounts.newAccount("test", contents)
    const connection = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
    const sync = await t.ok(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)
    await run(t)
    return { connection: connection.id as string, sync: sync.id as string, tag: account.accountId }
  }

  const counts = async (t: Tenants, connection: string) => ({
    customers: await totalOf(t, `/v1/customers?connection=${connection}`),
    products: await totalOf(t, `/v1/products?connection=${connection}`),
    plans: await totalOf(t, `/v1/plans?connection=${connection}`),
    prices: await totalOf(t, `/v1/prices?connection=${connection}`),
    subscriptions: await totalOf(t, `/v1/subscriptions?connection=${connection}`),
    invoices: await totalOf(t, `/v1/invoices?connection=${connection}`),
    payments: await totalOf(t, `/v1/payments?connection=${connection}`),
    refunds: await totalOf(t, `/v1/refunds?connection=${connection}`)
  })
  const expected = {
    customers: 60, products: 3, plans: 3, prices: 7, subscriptions: 40, invoices: 150, payments: 150, refunds: 3
  }

  it("imports the account into Billkit records, each carrying its connection and Stripe id", async () => {
    const accounts = inProcessAccounts()
    const t = await ctx.tenants(accounts)
    const { connection, sync } = await importAccount(t, accounts)
    expect(await t.ok(t.a.test, "GET", `/v1/connections/${connection}/syncs/${sync}`)).toMatchObject({ status: "succeeded", errors: [] })
    expect(await counts(t, connection)).toEqual(expected)

    const customer = (await t.ok(t.a.test, "GET", `/v1/customers?connection=${connection}&limit=100`)).data
      .find((c: { email: string }) => c.email === "customer7@example.com")
    expect(customer).toMatchObject({
      object: "customer", name: "Customer 7", status: "active", connection,
      provider_ids: { stripe: expect.stringMatching(/^cus_\w+0000007$/) }, created_at: iso(base + 7 * 60)
    })
    const prices = (await t.ok(t.a.test, "GET", `/v1/prices?connection=${connection}&limit=100`)).data
    expect(prices.map((p: { amount: number }) => p.amount).sort()).toEqual([2900, 2901, 2902, 2903, 2904, 2905, 2906])
    expect(prices[0]).toMatchObject({ currency: "EUR", recurring: true, schedule: "month", connection })
    const plans = (await t.ok(t.a.test, "GET", `/v1/plans?connection=${connection}&limit=100`)).data
    // Prices n % 3 belong to product n: 3, 2 and 2 prices.
    expect(plans.map((p: { prices: Array<string> }) => p.prices.length).sort()).toEqual([2, 2, 3])

    const subscriptions = (await t.ok(t.a.test, "GET", `/v1/subscriptions?connection=${connection}&limit=100`)).data
    expect(subscriptions.every((s: { managed_by: string; status: string }) => s.managed_by === "stripe" && s.status === "active")).toBe(true)
    const sub = subscriptions[0]
    expect(sub).toMatchObject({ currency: "EUR", interval: "month", seats: 1, connection, provider_ids: { stripe: expect.stringMatching(/^sub_/) } })
    expect(prices.map((p: { id: string }) => p.id)).toContain(sub.price)

    const invoices = (await t.ok(t.a.test, "GET", `/v1/invoices?connection=${connection}&limit=100`)).data
    expect(invoices[0]).toMatchObject({ status: "paid", currency: "EUR", total: 2900, amount_paid: 2900, amount_remaining: 0, connection })
    expect(subscriptions.map((s: { id: string }) => s.id)).toContain(invoices[0].subscription)

    const payments = (await t.ok(t.a.test, "GET", `/v1/payments?connection=${connection}&limit=100`)).data
    expect(payments[0]).toMatchObject({ status: "succeeded", amount: 2900, currency: "EUR", connection, provider_ids: { stripe: expect.stringMatching(/^ch_/) } })
    // Charge n pays invoice n, and every 50th had 1000 refunded: three refunds of 1000.
    const refunds = (await t.ok(t.a.test, "GET", `/v1/refunds?connection=${connection}`)).data
    expect(refunds.map((r: { amount: number; status: string }) => [r.amount, r.status])).toEqual([[1000, "succeeded"], [1000, "succeeded"], [1000, "succeeded"]])
    const refunded = await t.ok(t.a.test, "GET", `/v1/payments/${refunds[0].payment}`)
    expect(refunded).toMatchObject({ amount_refunded: 1000, connection })
    // Billkit's provider did not take it, so Billkit does not refund it: that is done in Stripe.
    const refusal = await t.send(t.a.test, "POST", `/v1/payments/${payments[1].id}/refunds`, {})
    expect(refusal.status).toBe(409)
    expect(refusal.text).toContain("refund it in Stripe")

    // Billkit's own records say they were not imported.
    const own = await t.ok(t.a.test, "POST", "/v1/customers", { email: "own@example.com" })
    expect(own).toMatchObject({ connection: null, provider_ids: null })
    expect(await totalOf(t, "/v1/customers")).toBe(61)
    expect(await totalOf(t, `/v1/customers?connection=${connection}`)).toBe(60)
  }, heavy)

  it("re-runs idempotently: every record updated in place, none added", async () => {
    const accounts = inProcessAccounts()
    const t = await ctx.tenants(accounts)
    const { connection } = await importAccount(t, accounts)
    const before = await t.ok(t.a.test, "GET", `/v1/payments?connection=${connection}&limit=100`)
    await t.ok(t.a.test, "POST", `/v1/connections/${connection}/sync`)
    await run(t)
    expect(await counts(t, connection)).toEqual(expected)
    const after = await t.ok(t.a.test, "GET", `/v1/payments?connection=${connection}&limit=100`)
    expect(after.data.map((p: { id: string }) => p.id)).toEqual(before.data.map((p: { id: string }) => p.id))
  }, heavy)

  it("keeps imported subscriptions read-only: every change answers 409, naming Stripe, and the billing loop leaves them to Stripe", async () => {
    const accounts = inProcessAccounts()
    const t = await ctx.tenants(accounts)
    const { connection } = await importAccount(t, accounts)
    const [sub] = (await t.ok(t.a.test, "GET", `/v1/subscriptions?connection=${connection}&limit=1`)).data
    const attempts: Array<[string, unknown]> = [
      ["cancel", { when: "instantly" }], ["pause", undefined], ["resume", undefined], ["seats/add", { seats: 1 }],
      ["seats/remove", { seats: 1 }], ["change-price", { price: sub.price }], ["convert-trial", {}]
    ]
    for (const [action, body] of attempts) {
      const reply = await t.send(t.a.test, "POST", `/v1/subscriptions/${sub.id}/${action}`, body)
      expect(reply.status, action).toBe(409)
      expect(reply.text, action).toContain("billed by Stripe")
    }
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toEqual(sub)
    // Their periods ended in 2023: were the billing loop to take mirrors up, it would renew every one now.
    expect(sub.current_period_end < "2024-01-01T00:00:00.000Z").toBe(true)
    await t.app.runBilling()
    expect(await totalOf(t, "/v1/invoices")).toBe(150)
    expect(await totalOf(t, "/v1/payments")).toBe(150)
    expect(await t.ok(t.a.test, "GET", `/v1/subscriptions/${sub.id}`)).toEqual(sub)
  }, heavy)

  it("reads one account at a time, and payments, refunds and invoices by creation time", async () => {
    const accounts = inProcessAccounts()
    const t = await ctx.tenants(accounts)
    const first = await importAccount(t, accounts)
    const second = await importAccount(t, accounts)
    expect(await counts(t, first.connection)).toEqual(expected)
    expect(await counts(t, second.connection)).toEqual(expected)
    expect(await totalOf(t, "/v1/payments")).toBe(300)
    const mine = (await t.ok(t.a.test, "GET", `/v1/payments?connection=${second.connection}&limit=100`)).data
    expect(mine.every((p: { connection: string }) => p.connection === second.connection)).toBe(true)

    // Charges, invoices and refunds n were created at base + n minutes.
    const window = `from=${iso(base + 10 * 60)}&to=${iso(base + 19 * 60)}`
    expect(await totalOf(t, `/v1/payments?connection=${first.connection}&${window}`)).toBe(10)
    expect(await totalOf(t, `/v1/payments?${window}`)).toBe(20)
    expect(await totalOf(t, `/v1/invoices?connection=${first.connection}&${window}`)).toBe(10)
    expect(await totalOf(t, `/v1/refunds?connection=${first.connection}&to=${iso(base + 60)}`)).toBe(2)

    for (const path of ["/v1/customers", "/v1/payments", "/v1/products", "/v1/prices", "/v1/plans", "/v1/subscriptions", "/v1/invoices", "/v1/refunds"]) {
      const bad = await t.send(t.a.test, "GET", `${path}?connection=cus_123`)
      expect([400, 422], path).toContain(bad.status)
      expect(fieldsOf(bad), path).toContain("connection")
    }
    for (const path of ["/v1/payments", "/v1/refunds", "/v1/invoices"]) {
      const backwards = await t.send(t.a.test, "GET", `${path}?from=${iso(base + 600)}&to=${iso(base)}`)
      expect(backwards.status, path).toBe(422)
      expect(fieldsOf(backwards), path).toEqual(["from"])
    }
    // Another project sees none of it.
    expect((await t.ok(t.b.test, "GET", `/v1/payments?connection=${first.connection}`)).data).toEqual([])
  }, heavy)

  // Migrating off Stripe Billing, on the suite's provider harness (in-process accounts by default).
  migrateScenarios({ ...ctx, accounts: ctx.accounts ?? (() => inProcessAccounts()) })
}
