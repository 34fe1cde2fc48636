/**
 * Connections and imports through the real `stripe` SDK against the fake Stripe: the connections
 * suite with every account a fake of its own (keys checked by `GET /v1/account`, a wrong key
 * refused with Stripe's 401), and an import of a fake account's objects, page by page.
 */
import { Effect } from "effect"
import { billkit, type ProviderAccountsService } from "@billkit/core"
import { makeStripeAccounts } from "@billkit/stripe"
import { connectionsConformance, keyedClient, type AccountsUnderTest } from "@billkit/testing"
import { listRoutes, listSeeds, seedList, startFakeStripe, type FakeStripe } from "@billkit/testing/stripe"
import type Stripe from "stripe"
import { describe, expect, it } from "vitest"
import { sqliteUnderTest } from "./support.js"

/** Accounts that are fake Stripe servers, reached through the SDK with each connection's key. */
const fakeStripeAccounts = async (): Promise<AccountsUnderTest> => {
  const fakes: Array<FakeStripe> = []
  const byKey = new Map<string, ProviderAccountsService>()
  let n = 0
  const open = async (secretKey: string) => {
    const fake = await startFakeStripe({ secretKey, routes: listRoutes })
    fakes.push(fake)
    byKey.set(secretKey, makeStripeAccounts({ apiBase: fake.url, maxNetworkRetries: 0 }))
    return fake
  }
  // Where a key no fake accepts goes: Stripe answers it 401.
  await open(`sk_test_anchor${"0".repeat(20)}`)
  const serviceFor = (key: string) => byKey.get(key) ?? byKey.values().next().value!
  return {
    providerAccounts: {
      retrieveAccount: (key) => Effect.suspend(() => serviceFor(key).retrieveAccount(key)),
      listPage: (key, type, options) => Effect.suspend(() => serviceFor(key).listPage(key, type, options)),
      retrieveSubscription: (key, id) => Effect.suspend(() => serviceFor(key).retrieveSubscription(key, id)),
      cancelSubscriptionAt: (key, id, options) => Effect.suspend(() => serviceFor(key).cancelSubscriptionAt(key, id, options))
    },
    newAccount: async (mode) => {
      const secretKey = `sk_${mode}_fake${(++n).toString().padStart(4, "0")}${"a".repeat(20)}`
      const fake = await open(secretKey)
      const { store } = fake
      return {
        accountId: store.account.id,
        secretKey,
        // Objects a scenario adds are seeded into the fake as Stripe-shaped objects, listed (and retrieved) from there.
        add: (type, object) => {
          const stripeObject = { ...object.data, id: object.id, created: object.created }
          if (type === "customers") store.customers.set(object.id, stripeObject as unknown as Stripe.Customer)
          else if (type === "charges" || type === "refunds") throw new Error(`the fake makes its own ${type}: create them through the SDK`)
          else seedList(store, type, [stripeObject])
        },
        replace: () => {},
        read: async (type, id) =>
          (type === "customers" ? store.customers.get(id) : listSeeds.get(store)?.get(type)?.find((o) => o.id === id)) as Record<string, unknown> | undefined,
        failNextUpdates: (times = 1) => store.failNext("POST", "/v1/subscriptions/", times),
        // Twice: the SDK resends once on a closed connection, with the same key.
        loseNextUpdateAnswer: () => store.loseNextAnswer("POST", "/v1/subscriptions/", 2),
        updatesWith: async (key) => {
          const sent = store.calls.filter((c) => c.method === "POST" && c.path.startsWith("/v1/subscriptions/") && c.idempotencyKey === key)
          return { sent: sent.length, effective: sent.filter((c) => !c.replayed && c.status === 200).length }
        }
      }
    },
    refusedKey: (mode) => `sk_${mode}_unknown${(++n).toString().padStart(4, "0")}${"b".repeat(20)}`,
    close: async () => {
      for (const fake of fakes) await fake.close()
    }
  }
}

connectionsConformance("sqlite + stripe sdk", sqliteUnderTest, fakeStripeAccounts)

describe("an import through the stripe SDK", () => {
  it("lists every object type from the account and stores each once", async () => {
    const fake = await startFakeStripe({ routes: listRoutes })
    const sqlite = await sqliteUnderTest()
    const app = billkit({
      storage: sqlite.storage,
      encryptionKey: "3c".repeat(32),
      providerAccounts: { stripe: makeStripeAccounts({ apiBase: fake.url, maxNetworkRetries: 0 }) }
    })
    try {
      const client = fake.client()
      for (let i = 0; i < 120; i++) await client.customers.create({ email: `c${i}@example.com` })
      const customer = [...fake.store.customers.keys()][0]!
      for (const amount of [1000, 2000, 3000]) {
        await client.paymentIntents.create({ amount, currency: "eur", customer, payment_method: "pm_card_visa", confirm: true, off_session: true })
      }
      const [charge] = [...fake.store.charges.keys()]
      await client.refunds.create({ charge: charge!, amount: 500 })
      seedList(fake.store, "products", [{ id: "prod_a", created: 1_700_000_000 }, { id: "prod_b", created: 1_700_000_001 }])
      seedList(fake.store, "prices", [{ id: "price_a", created: 1_700_000_000 }])
      seedList(fake.store, "subscriptions", [{ id: "sub_a", created: 1_700_000_000 }])
      seedList(fake.store, "invoices", [{ id: "in_a", created: 1_700_000_000 }, { id: "in_b", created: 1_700_000_005 }])
      seedList(fake.store, "balance_transactions", [{ id: "txn_a", created: 1_700_000_000 }])

      const { call } = await keyedClient(app)
      const connection = (await call("POST", "/v1/connections", { provider: "stripe", secret_key: fake.secretKey })).json
      expect(connection).toMatchObject({ provider_account_id: fake.store.account.id, livemode: false, default: true })
      const sync = (await call("POST", `/v1/connections/${connection.id}/sync`)).json
      await app.runSyncs({ pageSize: 50 })
      const done = (await call("GET", `/v1/connections/${connection.id}/syncs/${sync.id}`)).json
      expect(done).toMatchObject({
        status: "succeeded",
        counts: { customers: 120, products: 2, prices: 1, subscriptions: 1, invoices: 2, charges: 3, refunds: 1, balance_transactions: 1 },
        drift: []
      })
      // The seeded price, subscription and invoices name no product or customer: stored as objects,
      // left out of Billkit's records, and each named in the run's errors.
      expect(done.errors.map((e: { message: string }) => e.message).sort()).toEqual([
        "invoice in_a: its customer null was not imported",
        "invoice in_b: its customer null was not imported",
        "price price_a: its product null was not imported",
        "subscription sub_a: its customer null was not imported"
      ])
      // The charges made through the SDK became payments of the imported customer, the refund a refund.
      const payments = (await call("GET", `/v1/payments?connection=${connection.id}`)).json.data
      expect(payments.map((p: { amount: number }) => p.amount).sort()).toEqual([1000, 2000, 3000])
      expect((await call("GET", `/v1/refunds?connection=${connection.id}`)).json.data).toMatchObject([{ amount: 500, status: "succeeded" }])
      const charges = (await call("GET", `/v1/connections/${connection.id}/objects?type=charges`)).json.data
      expect(charges.map((c: { amount: number }) => c.amount).sort()).toEqual([1000, 2000, 3000])
      expect(charges.find((c: { provider_id: string }) => c.provider_id === charge)).toMatchObject({ refunded: 500, status: "succeeded", currency: "eur" })
      const total = (await call("GET", `/v1/connections/${connection.id}/objects?limit=1&include_total=true`)).json.total
      expect(total).toBe(131)
      // Three pages of customers went through the SDK's list call.
      expect(fake.store.calls.filter((c) => c.method === "GET" && c.path.startsWith("/v1/customers")).length).toBe(3)
    } finally {
      await app.dispose()
      await sqlite.close()
      await fake.close()
    }
  })
})
