/** The built server on a fresh PostgreSQL database of the run's test server. */
import { createTestDatabase, type TestDatabase } from "@billkit/testing"
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest"
import { createCatalog } from "./support/catalog.js"
import { apiClient, spawnServer, tempDir } from "./support/spawnServer.js"

describe("example server on PostgreSQL", () => {
  let database: TestDatabase
  beforeAll(async () => {
    database = await createTestDatabase(inject("postgresUrl"))
  })
  afterAll(() => database?.drop())

  it("migrates, bootstraps once and serves the API from DATABASE_URL", async () => {
    const first = await spawnServer({ cwd: tempDir(), env: { DATABASE_URL: database.url } })
    let customerId: string
    try {
      expect(first.printedKey).toMatch(/^sk_test_/)
      expect(first.stdout()).toContain("database: postgres postgres")
      ;({ customerId } = await createCatalog(apiClient(first.url, first.printedKey!)))
    } finally {
      expect(await first.stop()).toBe(0)
    }

    const second = await spawnServer({ cwd: tempDir(), env: { DATABASE_URL: database.url } })
    try {
      expect(second.printedKey).toBeUndefined()
      const customer = await apiClient(second.url, first.printedKey!)("GET", `/v1/customers/${customerId}`)
      expect(customer.status).toBe(200)
    } finally {
      expect(await second.stop()).toBe(0)
    }
  })
})
