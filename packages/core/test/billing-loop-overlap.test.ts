/**
 * The billing loop bills the next batch while the last batches' charges are with the provider
 * (`overlapCollection`: by default on Postgres, outside test clocks), with never more calls out
 * than `collectConcurrency`, and still never steps a customer whose last outcome is not recorded:
 * the next batch stops before that customer, as it stops before a customer's second step. Each
 * card is charged once per invoice, every invoice paid. On SQLite the default settles each batch
 * first.
 */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { type PaymentProviderService, type StoragePort } from "@billkit/core"
import { makePostgresStorage } from "@billkit/postgres"
import { makeSqliteStorage } from "@billkit/sqlite"
import { createTestDatabase, turnedClock } from "@billkit/testing"
import { makeApp } from "./support.js"

const day = 86_400_000
const jan1 = Date.parse("2024-01-01T00:00:00Z")

/** What the loop's provider saw when a charge answered, some milliseconds after it was asked. */
interface Answer {
  readonly key: string
  readonly subscription: string
  /** Renewal invoices of this charge's own subscription that existed by then. */
  readonly ownRenewals: number
  /** Renewal invoices of all subscriptions that existed by then. */
  readonly allRenewals: number
}

/** Each subscription's first charge of the run: its February renewal's. */
const februaryCharges = (answers: ReadonlyArray<Answer>): Array<Answer> => {
  const first = new Map<string, Answer>()
  for (const a of answers) if (!first.has(a.subscription)) first.set(a.subscription, a)
  return [...first.values()]
}

/**
 * What holds the first batch's three charges before they answer, so that what overlap should bring
 * about has happened by then however slow the machine: d's February renewal billed, or also its
 * charge out. A hold gives up after five seconds, and the test's expectations then fail. Without a
 * hold (settle-first runs, where the next batch cannot start before the answers) every charge
 * answers 30 ms after it is asked.
 */
type Hold = "fourth-renewal" | "four-charges-out" | undefined

/** Waits until `done` or five seconds have passed, looking every 5 ms. */
const waitFor = async (done: () => boolean | Promise<boolean>) => {
  const deadline = Date.now() + 5_000
  while (!(await done()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5))
}

/**
 * Four customers on a monthly plan (2,900) from 1 Jan, each with a card; the loop then runs on
 * 2 Mar, with February's and March's renewals due. The provider answers each of the loop's charges
 * 30 ms after it is asked (the first three after the hold, if any), noting which renewal invoices
 * exist by then.
 */
const twoPeriodsDue = async (
  overlapCollection: boolean | undefined,
  options: { readonly storage?: StoragePort; readonly collectConcurrency?: number; readonly hold?: Hold } = {}
) => {
  const { storage, collectConcurrency, hold } = options
  const { clock, advance } = turnedClock(jan1)
  const answers: Array<Answer> = []
  let loopRunning = false
  /** Charges the loop has out at once: now, and at most. */
  const out = { now: 0, most: 0 }
  let asked = 0
  let app!: Awaited<ReturnType<typeof makeApp>>
  const renewals = async () =>
    ((await app.call("GET", "/v1/invoices?limit=100")).json.data as Array<any>).filter((i) => i.billing_reason === "subscription_cycle")
  // Through the façade, not REST: the hold looks often, and REST would answer 429 (the rate
  // limit's window never turns on a clock that stands still).
  const renewalsSeenInProcess = async () =>
    (await app.app.project(app.projectId).invoices.list({ limit: 100 })).data.filter((i) => i.billingReason === "subscription_cycle").length
  const provider: PaymentProviderService = {
    createPaymentMethod: (token) => Effect.succeed({ providerRef: token, brand: "visa", last4: "4242", expMonth: 12, expYear: 2040 }),
    charge: (request) =>
      !loopRunning
        ? Effect.succeed({ status: "succeeded" as const, providerRef: `ch_${request.idempotencyKey}` })
        : Effect.promise(async () => {
          out.most = Math.max(out.most, ++out.now)
          const firstBatch = ++asked <= 3
          await new Promise((resolve) => setTimeout(resolve, 30))
          if (firstBatch && hold === "fourth-renewal") await waitFor(async () => (await renewalsSeenInProcess()) >= 4)
          if (firstBatch && hold === "four-charges-out") await waitFor(() => out.most >= 4)
          out.now -= 1
          const all = await renewals()
          const invoice = all.find((i) => request.idempotencyKey.startsWith(`${i.id}:`))
          answers.push({
            key: request.idempotencyKey,
            subscription: invoice.subscription,
            ownRenewals: all.filter((i) => i.subscription === invoice.subscription).length,
            allRenewals: all.length
          })
          return { status: "succeeded" as const, providerRef: `ch_${request.idempotencyKey}` }
        }),
    refund: (request) => Effect.succeed({ status: "succeeded" as const, providerRef: `re_${request.idempotencyKey}` })
  }
  app = await makeApp({
    clock,
    paymentProvider: provider,
    ...(storage === undefined ? {} : { storage }),
    ...(collectConcurrency === undefined ? {} : { billing: { collectConcurrency } })
  })
  const product = (await app.call("POST", "/v1/products", { name: "Pro" })).json
  const price = (await app.call("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })).json
  await app.call("POST", "/v1/plans", { name: "Pro", code_name: "pro", product: product.id, prices: [price.id] })
  const subs: Array<any> = []
  for (const name of ["a", "b", "c", "d"]) {
    const customer = (await app.call("POST", "/v1/customers", { email: `${name}@example.com` })).json
    await app.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: `card-${name}` })
    subs.push((await app.call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: "pro" })).json)
  }
  advance(61 * day) // 2 Mar
  loopRunning = true
  // Batches of three: a, b, c in the first; d's February renewal and then a's March one are next.
  const report = await app.app.runBilling({ batchSize: 3, ...(overlapCollection === undefined ? {} : { overlapCollection }) })
  loopRunning = false
  return { app, subs, answers, report, renewals, mostChargesOut: out.most }
}

/** The February charges of a, b and c (the first batch), whichever order they answered in. */
const firstBatchFebruary = (answers: ReadonlyArray<Answer>, subs: ReadonlyArray<{ readonly id: string }>) =>
  februaryCharges(answers).filter((a) => subs.slice(0, 3).some((s) => s.id === a.subscription))

describe("billing loop: the next batch billed while the last one's money is with the provider", () => {
  it("overlaps, never steps a customer whose outcome is unrecorded, and charges each invoice once", async () => {
    const { app, subs, answers, report, renewals, mostChargesOut } = await twoPeriodsDue(true, { hold: "four-charges-out" })
    expect(report).toEqual({ steps: 8, failed: [], batchesRedone: 0 })

    // Eight renewals, each charged under one key, once, and paid in full.
    const invoices = await renewals()
    expect(invoices).toHaveLength(8)
    expect(answers.map((a) => a.key).sort()).toEqual(invoices.map((i) => `${i.id}:attempt-1`).sort())
    expect(invoices.map((i) => [i.status, i.total, i.amount_paid])).toEqual(invoices.map(() => ["paid", 2900, 2900]))
    for (const sub of subs) {
      const now = (await app.call("GET", `/v1/subscriptions/${sub.id}`)).json
      expect([now.status, now.current_period_start]).toEqual(["active", "2024-03-01T00:00:00.000Z"])
    }

    // Overlap: while a, b and c's February charges were out, d's February renewal was billed,
    // and its charge went out beside theirs (four calls, within collectConcurrency's 16).
    expect(firstBatchFebruary(answers, subs).map((a) => a.allRenewals)).toEqual([4, 4, 4])
    expect(mostChargesOut).toBe(4)
    // …but no one's March renewal while their February charge was out.
    expect(februaryCharges(answers).map((a) => a.ownRenewals)).toEqual([1, 1, 1, 1])
  })

  it("keeps the calls out within collectConcurrency: a batch's charges wait for room", async () => {
    const { subs, answers, report, mostChargesOut } = await twoPeriodsDue(true, { collectConcurrency: 3, hold: "fourth-renewal" })
    expect(report).toEqual({ steps: 8, failed: [], batchesRedone: 0 })
    expect(mostChargesOut).toBe(3)
    // d's February renewal was still billed while a, b and c's charges were out; its charge waited.
    expect(firstBatchFebruary(answers, subs).map((a) => a.allRenewals)).toEqual([4, 4, 4])
    expect(februaryCharges(answers).map((a) => a.ownRenewals)).toEqual([1, 1, 1, 1])
    expect(answers).toHaveLength(8)
  })

  it("with overlapCollection false, each batch's money is settled before the next batch is billed", async () => {
    const { answers, report } = await twoPeriodsDue(false)
    expect(report).toEqual({ steps: 8, failed: [], batchesRedone: 0 })
    expect(answers.slice(0, 3).map((a) => a.allRenewals)).toEqual([3, 3, 3])
    expect(answers).toHaveLength(8)
  })

  it("on Postgres, by default, overlaps (its due query skipping the rows the recording holds), and cuts before unsettled customers", async () => {
    const database = await createTestDatabase()
    const postgres = makePostgresStorage({ connectionString: database.url })
    await postgres.migrate()
    try {
      const { subs, answers, report, renewals } = await twoPeriodsDue(undefined, { storage: postgres.storage, hold: "fourth-renewal" })
      expect(report).toEqual({ steps: 8, failed: [], batchesRedone: 0 })
      expect(firstBatchFebruary(answers, subs).map((a) => a.allRenewals)).toEqual([4, 4, 4])
      expect(februaryCharges(answers).map((a) => a.ownRenewals)).toEqual([1, 1, 1, 1])
      const invoices = await renewals()
      expect(invoices.map((i) => [i.status, i.amount_paid])).toEqual(invoices.map(() => ["paid", 2900]))
      expect(answers.map((a) => a.key).sort()).toEqual(invoices.map((i) => `${i.id}:attempt-1`).sort())
    } finally {
      await postgres.close()
      await database.drop()
    }
  })

  it("on SQLite, by default, each batch's money is settled before the next batch is billed", async () => {
    const sqlite = makeSqliteStorage({ filename: ":memory:" })
    await sqlite.migrate()
    try {
      const { answers, report } = await twoPeriodsDue(undefined, { storage: sqlite.storage })
      expect(report).toEqual({ steps: 8, failed: [], batchesRedone: 0 })
      expect(answers.slice(0, 3).map((a) => a.allRenewals)).toEqual([3, 3, 3])
    } finally {
      await sqlite.close()
    }
  })
})
