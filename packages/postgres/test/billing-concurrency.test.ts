/**
 * The billing loop from several processes at once over one Postgres database: every period is
 * billed exactly once and invoice numbers stay gapless (SKIP LOCKED rows, unique run keys).
 */
import { Clock } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billkit, fixedClock } from "@billkit/core"
import { makePostgresStorage } from "@billkit/postgres"
import { createTestDatabase, keyedClient, sendTo, type TestDatabase } from "@billkit/testing"

const at = (iso: string) => fixedClock(Date.parse(iso), Clock.make())

describe("billing loop on postgres, three workers at once", () => {
  let database: TestDatabase
  const pools: Array<ReturnType<typeof makePostgresStorage>> = []
  const databases: Array<TestDatabase> = []
  const connectTo = async (url: string) => {
    const pg = makePostgresStorage({ connectionString: url, max: 4 })
    await pg.migrate()
    pools.push(pg)
    return pg
  }
  const connect = () => connectTo(database.url)
  beforeAll(async () => {
    database = await createTestDatabase()
  })
  afterAll(async () => {
    for (const pg of pools) await pg.close()
    await database.drop()
    for (const own of databases) await own.drop()
  })

  it("bills each subscription's periods once, with gapless invoice numbers", async () => {
    const setup = billkit({ storage: (await connect()).storage, clock: at("2024-01-01T00:00:00Z"), defaultRateLimits: [{ window: "second", max: 100_000 }] })
    const { apiKey, ok: call } = await keyedClient(setup)
    const product = await call("POST", "/v1/products", { name: "Pro" })
    const price = await call("POST", `/v1/products/${product.id}/prices`, { amount: 1000, currency: "EUR", schedule: "month" })
    await call("POST", "/v1/plans", { name: "Pro", code_name: "pro", product: product.id, prices: [price.id] })
    const subscriptions = 40
    for (let i = 0; i < subscriptions; i++) {
      const customer = await call("POST", "/v1/customers", { email: `c${i}@example.com` })
      await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
      const sub = await call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: "pro" })
      expect(sub.status).toBe("active")
    }
    await setup.dispose()

    // Three workers wake on 1 April: each subscription owes the Feb, Mar and Apr renewals.
    const workers = await Promise.all([connect(), connect(), connect()]).then((pgs) =>
      pgs.map((pg) => billkit({ storage: pg.storage, clock: at("2024-04-01T00:00:00Z") })))
    const reports = await Promise.all(workers.flatMap((w) => [w.runBilling(), w.runBilling()]))
    expect(reports.reduce((n, r) => n + r.steps, 0)).toBeGreaterThanOrEqual(subscriptions * 3)
    expect(reports.flatMap((r) => r.failed)).toEqual([])

    const get = async (path: string) => (await sendTo(workers[0]!)(apiKey, "GET", path)).json
    const invoices = await get("/v1/invoices?limit=100&include_total=true")
    expect(invoices.total).toBe(subscriptions * 4)
    const all: Array<any> = []
    let page = invoices
    for (;;) {
      all.push(...page.data)
      if (!page.has_more) break
      page = await get(`/v1/invoices?limit=100&starting_after=${page.next_cursor}`)
    }
    const expected = Array.from({ length: subscriptions * 4 }, (_, i) => `INV-${String(i + 1).padStart(6, "0")}`)
    expect(all.map((i) => i.number).sort()).toEqual(expected)
    // One invoice per subscription and period: none billed twice, none skipped.
    const periods = new Set(all.map((i) => `${i.subscription} ${i.period_start}`))
    expect(periods.size).toBe(subscriptions * 4)
    for (const w of workers) await w.dispose()
  }, 120_000)

  it("in small batches over two currencies, workers that deadlock delay work, never bill twice", async () => {
    // EUR and USD customers interleaved, three workers in batches of 3 catching up three months:
    // a worker recording a payment's outcome and another renewing the same subscription lock
    // the subscription and the day's rollup rows in opposite orders, and Postgres aborts one of
    // them. What an abort leaves is redone (the batch, row by row) or left pending and asked
    // again under its key; one more run finishes it.
    const own = await createTestDatabase()
    databases.push(own)
    const connect = () => connectTo(own.url)
    const setup = billkit({ storage: (await connect()).storage, clock: at("2024-01-01T00:00:00Z"), defaultRateLimits: [{ window: "second", max: 100_000 }] })
    const { apiKey, ok: call } = await keyedClient(setup)
    const product = await call("POST", "/v1/products", { name: "Pro" })
    const eur = await call("POST", `/v1/products/${product.id}/prices`, { amount: 1000, currency: "EUR", schedule: "month" })
    const usd = await call("POST", `/v1/products/${product.id}/prices`, { amount: 1100, currency: "USD", schedule: "month" })
    await call("POST", "/v1/plans", { name: "Pro", code_name: "pro2", product: product.id, prices: [eur.id, usd.id] })
    const subscriptions = 40
    for (let i = 0; i < subscriptions; i++) {
      const customer = await call("POST", "/v1/customers", { email: `d${i}@example.com` })
      await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
      const sub = await call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: "pro2", price: i % 2 === 0 ? eur.id : usd.id })
      expect(sub.status).toBe("active")
    }
    await setup.dispose()

    const workers = await Promise.all([connect(), connect(), connect()]).then((pgs) =>
      pgs.map((pg) => billkit({ storage: pg.storage, clock: at("2024-04-01T00:00:00Z") })))
    await Promise.all(workers.flatMap((w) => [w.runBilling({ batchSize: 3 }), w.runBilling({ batchSize: 3 })]))
    expect((await workers[0]!.runBilling()).failed).toEqual([])

    const get = async (path: string) => (await sendTo(workers[0]!)(apiKey, "GET", path)).json
    const all: Array<any> = []
    for (let page = await get("/v1/invoices?limit=100"); ; page = await get(`/v1/invoices?limit=100&starting_after=${page.next_cursor}`)) {
      all.push(...page.data)
      if (!page.has_more) break
    }
    expect(all).toHaveLength(subscriptions * 4)
    expect(new Set(all.map((i) => `${i.subscription} ${i.period_start}`)).size).toBe(subscriptions * 4)
    expect(all.map((i) => i.number).sort()).toEqual(Array.from({ length: subscriptions * 4 }, (_, i) => `INV-${String(i + 1).padStart(6, "0")}`))
    expect(all.every((i) => i.status === "paid" && i.amount_paid === i.total)).toBe(true)
    // Each invoice paid by exactly one successful payment: none charged twice.
    const payments: Array<any> = []
    for (let page = await get("/v1/payments?limit=100"); ; page = await get(`/v1/payments?limit=100&starting_after=${page.next_cursor}`)) {
      payments.push(...page.data)
      if (!page.has_more) break
    }
    expect(payments.filter((p) => p.status === "pending")).toEqual([])
    const paidPerInvoice = new Map<string, number>()
    for (const p of payments.filter((p) => p.status === "succeeded")) paidPerInvoice.set(p.invoice, (paidPerInvoice.get(p.invoice) ?? 0) + 1)
    expect([...paidPerInvoice.values()].every((n) => n === 1)).toBe(true)
    expect(paidPerInvoice.size).toBe(subscriptions * 4)
    for (const w of workers) await w.dispose()
  }, 120_000)
})
