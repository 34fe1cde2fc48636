/** Storage backends and a fake Stripe for this package's tests. */
import { makePostgresStorage } from "@billkit/postgres"
import { deleteAllRows } from "@billkit/sql"
import { makeSqliteStorage } from "@billkit/sqlite"
import { createTestDatabase, type StorageUnderTest } from "@billkit/testing"
import type { FakeStripe } from "@billkit/testing/stripe"
import { makeStripePaymentProvider } from "@billkit/stripe"

export const sqliteUnderTest = async (): Promise<StorageUnderTest> => {
  const sqlite = makeSqliteStorage({ filename: ":memory:" })
  await sqlite.migrate()
  return { storage: sqlite.storage, reset: () => deleteAllRows(sqlite.db), close: sqlite.close }
}

export const postgresUnderTest = async (): Promise<StorageUnderTest> => {
  const database = await createTestDatabase()
  const postgres = makePostgresStorage({ connectionString: database.url, max: 5 })
  await postgres.migrate()
  return {
    storage: postgres.storage,
    reset: () => deleteAllRows(postgres.db),
    close: async () => {
      await postgres.close()
      await database.drop()
    }
  }
}

/** The Stripe provider talking to `fake` through the real SDK, as a host would configure it. */
export const stripeProviderFor = (fake: FakeStripe, returnUrl = "https://shop.example/billing/return") =>
  makeStripePaymentProvider({ secretKey: fake.secretKey, apiBase: fake.url, maxNetworkRetries: 0, returnUrl })
