/**
 * Imports, once for every storage backend: a generated account synced page by page with exact
 * counts; a re-run that updates and never duplicates; a run cut short and continued; 429s backed
 * off; drift between Billkit's payments and refunds and the account's charges and refunds.
 */
import { Effect } from "effect"
import { expect, it } from "vitest"
import type { Billkit, BillkitOptions, PaymentProviderService, ProviderObject } from "@billkit/core"
import type { Tenants } from "../auth/client.js"
import { inProcessAccounts, type AccountContents, type AccountsUnderTest } from "./accounts.js"

export interface SyncContext {
  readonly tenants: (accounts: AccountsUnderTest, options?: Partial<BillkitOptions>) => Promise<Tenants>
}

const contents: Required<AccountContents> = {
  customers: 230, products: 3, prices: 7, subscriptions: 120, invoices: 410, charges: 410, refunds: 9, balance_transactions: 40
}
const total = Object.values(contents).reduce((a, b) => a + b, 0)

const run = (app: Billkit) => app.runSyncs({ pageSize: 50, backoffMs: 1 })

/** 1,229 objects, each stored and imported into records: on Postgres under load this takes more than the default 30 s. */
const heavy = 180_000

export const syncScenarios = (ctx: SyncContext) => {
  const connect = async (t: Tenants, accounts: AccountsUnderTest, what: AccountContents = contents) => {
    const account = await accounts.newAccount("test", what)
    const connection = await t.ok(t.a.test, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
    return { account, connection }
  }
  const stored = async (t: Tenants, connection: string, type?: string) =>
    (await t.ok(t.a.test, "GET", `/v1/connections/${connection}/objects?limit=1&include_total=true${type === undefined ? "" : `&type=${type}`}`)).total

  it("imports every object type with exact counts, and reports progress", async () => {
    const accounts = inProcessAccounts()
    const t = await ctx.tenants(accounts)
    const { connection } = await connect(t, accounts)
    const started = await t.send(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)
    expect(started.status).toBe(202)
    expect(started.json).toMatchObject({
      id: expect.stringMatching(/^sync_/), object: "sync", connection: connection.id, status: "pending",
      counts: { customers: 0, charges: 0 }, errors: [], drift: [], started_at: null, finished_at: null
    })
    expect((await t.send(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)).status).toBe(409)
    const report = await run(t.app)
    expect(report.objects).toBe(total)
    const sync = await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/syncs/${started.json.id}`)
    expect(sync).toMatchObject({ status: "succeeded", counts: contents, errors: [], rate_limited: 0 })
    expect(sync.started_at).toMatch(/Z$/)
    expect(sync.finished_at).toMatch(/Z$/)
    for (const p of sync.progress) expect(p).toMatchObject({ status: "done", imported: contents[p.type as keyof AccountContents], updated: 0 })
    expect(await stored(t, connection.id)).toBe(total)
    expect(await stored(t, connection.id, "charges")).toBe(contents.charges)
    const [newestCharge] = (await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/objects?type=charges&limit=1`)).data
    expect(newestCharge).toMatchObject({ object: "provider_object", connection: connection.id, type: "charges", amount: 2900, currency: "eur", status: "succeeded" })
    // Time filters on the provider's own creation time (generated objects are a minute apart from 2023-11-14T22:13:20Z).
    const firstTen = await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/objects?type=charges&to=${1_700_000_000 + 9 * 60}&include_total=true`)
    expect(firstTen.total).toBe(10)
    expect((await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/syncs`)).data.map((s: { id: string }) => s.id)).toEqual([started.json.id])
  }, heavy)

  it("re-runs idempotently: everything updated, nothing duplicated", async () => {
    const accounts = inProcessAccounts()
    const t = await ctx.tenants(accounts)
    const { connection } = await connect(t, accounts)
    await t.ok(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)
    await run(t.app)
    const again = await t.ok(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)
    await run(t.app)
    const sync = await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/syncs/${again.id}`)
    expect(sync).toMatchObject({ status: "succeeded", counts: contents })
    for (const p of sync.progress) expect(p).toMatchObject({ created: 0, updated: contents[p.type as keyof AccountContents] })
    expect(await stored(t, connection.id)).toBe(total)
  }, heavy)

  it("continues a run cut short after the last page it committed", async () => {
    const accounts = inProcessAccounts()
    const t = await ctx.tenants(accounts)
    const { connection } = await connect(t, accounts)
    const started = await t.ok(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)
    // Nine pages (customers 5, products 1, prices 1, subscriptions 2), then the worker stops, holding a 3 s lease.
    await t.app.runSyncs({ pageSize: 50, maxPages: 9, leaseMs: 3_000 })
    // Another worker leaves the run alone while the lease lasts, and takes it over once it ran out.
    expect((await run(t.app)).objects).toBe(0)
    await new Promise((r) => setTimeout(r, 3_100))
    const midway = await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/syncs/${started.id}`)
    expect(midway.status).toBe("running")
    expect(midway.counts).toMatchObject({ customers: 230, products: 3, prices: 7, subscriptions: 100 })
    expect(midway.progress.find((p: { type: string }) => p.type === "subscriptions")).toMatchObject({ status: "running", cursor: expect.stringMatching(/^sub_/) })
    await run(t.app)
    const done = await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/syncs/${started.id}`)
    expect(done).toMatchObject({ status: "succeeded", counts: contents })
    for (const p of done.progress) expect(p).toMatchObject({ created: contents[p.type as keyof AccountContents], updated: 0 })
    expect(await stored(t, connection.id)).toBe(total)
  }, heavy)

  it("backs off on 429 and still imports everything once", async () => {
    const accounts = inProcessAccounts({ rateLimitEvery: 4 })
    const t = await ctx.tenants(accounts)
    const { connection } = await connect(t, accounts)
    const started = await t.ok(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)
    await run(t.app)
    const sync = await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/syncs/${started.id}`)
    expect(sync).toMatchObject({ status: "succeeded", counts: contents, errors: [] })
    expect(sync.rate_limited).toBeGreaterThan(3)
    expect(await stored(t, connection.id)).toBe(total)
  }, heavy)

  it("lists every difference between Billkit's payments and refunds and the account's charges and refunds", async () => {
    const accounts = inProcessAccounts()
    // A provider that charges "on Stripe": each charge and refund it makes appears in the account.
    let account: Awaited<ReturnType<AccountsUnderTest["newAccount"]>> | undefined
    let n = 0
    const object = (id: string, fields: Partial<ProviderObject>): ProviderObject => ({
      id, created: 1_800_000_000 + n, customer: null, amount: null, currency: null, status: null, refunded: null, charge: null,
      paymentIntent: null, data: {}, ...fields
    })
    const charges = new Map<string, ProviderObject>()
    const provider: PaymentProviderService = {
      createPaymentMethod: (token) => Effect.succeed({ providerRef: `pm_${token}`, brand: "visa", last4: "4242", expMonth: 12, expYear: 2040 }),
      charge: ({ amount, currency }) => Effect.sync(() => {
        const id = `ch_drift${++n}`
        const charge = object(id, { amount, currency: currency.toLowerCase(), status: "succeeded", refunded: 0 })
        charges.set(id, charge)
        if (n !== 2) account!.add("charges", charge) // the second never reaches the account: missing there
        return { status: "succeeded" as const, providerRef: id }
      }),
      refund: ({ amount, providerPaymentRef }) => Effect.sync(() => {
        const id = `re_drift${++n}`
        account!.add("refunds", object(id, { amount: amount + 1, currency: "eur", status: "succeeded", charge: providerPaymentRef }))
        return { status: "succeeded" as const, providerRef: id }
      })
    }
    const t = await ctx.tenants(accounts, { paymentProvider: provider })
    ;({ account } = await connect(t, accounts, { customers: 1 }))
    const connection = (await t.ok(t.a.test, "GET", "/v1/connections")).data[0]
    const customer = await t.ok(t.a.test, "POST", "/v1/customers", { email: "drift@example.com" })
    await t.ok(t.a.test, "POST", `/v1/customers/${customer.id}/payment-methods`, { token: "visa" })
    const pay = async (amount: number) => {
      const invoice = await t.ok(t.a.test, "POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "Work", unit_amount: amount }] })
      await t.ok(t.a.test, "POST", `/v1/invoices/${invoice.id}/pay`, {})
      return (await t.ok(t.a.test, "GET", `/v1/customers/${customer.id}/payments`)).data.find((p: { invoice: string }) => p.invoice === invoice.id)
    }
    const agreed = await pay(1000)
    const missing = await pay(2000)
    const changed = await pay(3000)
    expect([agreed.provider_ref, missing.provider_ref, changed.provider_ref]).toEqual(["ch_drift1", "ch_drift2", "ch_drift3"])
    // Stripe's side changed after Billkit recorded it: another amount, and a refund Billkit never saw.
    account!.replace("charges", { ...charges.get("ch_drift3")!, amount: 3100, refunded: 500 })
    // A refund Billkit made, which the account holds with another amount.
    const refund = await t.ok(t.a.test, "POST", `/v1/payments/${agreed.id}/refunds`, { amount: 400 })
    // The account's charge of agreed now shows the refund, as Stripe would.
    account!.replace("charges", { ...charges.get("ch_drift1")!, refunded: 400 })
    // A charge made for a Billkit payment Billkit does not know.
    account!.add("charges", object("ch_stray", { amount: 700, currency: "eur", status: "succeeded", refunded: 0, data: { metadata: { billkit_payment: "pay_01JZZZZZZZZZZZZZZZZZZZZZZZ" } } }))

    const started = await t.ok(t.a.test, "POST", `/v1/connections/${connection.id}/sync`)
    await run(t.app)
    const sync = await t.ok(t.a.test, "GET", `/v1/connections/${connection.id}/syncs/${started.id}`)
    expect(sync.status).toBe("succeeded")
    const key = (d: { kind: string; record: string | null }) => `${d.kind}:${d.record}`
    expect([...sync.drift].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([
      { kind: "amount_mismatch", record: changed.id, provider_id: "ch_drift3", billkit: "3000 EUR", provider: "3100 EUR" },
      { kind: "amount_mismatch", record: refund.id, provider_id: "re_drift4", billkit: "400", provider: "401" },
      { kind: "missing_in_billkit", record: "pay_01JZZZZZZZZZZZZZZZZZZZZZZZ", provider_id: "ch_stray", billkit: null, provider: "succeeded" },
      { kind: "missing_in_provider", record: missing.id, provider_id: "ch_drift2", billkit: "succeeded", provider: null },
      { kind: "refunded_mismatch", record: changed.id, provider_id: "ch_drift3", billkit: "0", provider: "500" }
    ])
  })
}
