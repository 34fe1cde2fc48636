/**
 * Several API servers over one Postgres: what one counts or claims, the others see. Each
 * `billkit()` here stands for a separate process with its own pool.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billkit } from "@billkit/core"
import { makePostgresStorage, type PostgresStorage } from "@billkit/postgres"
import { createTestDatabase, type TestDatabase } from "@billkit/testing"

describe("two servers sharing one Postgres", () => {
  let database: TestDatabase
  const pools: Array<PostgresStorage> = []

  beforeAll(async () => {
    database = await createTestDatabase()
    for (let i = 0; i < 2; i++) pools.push(makePostgresStorage({ connectionString: database.url }))
    // Both start at once, as a fleet rolling out would: migrations take a lock.
    await Promise.all(pools.map((p) => p.migrate()))
  })

  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()))
    await database.drop()
  })

  it("count rate limits together, replay each other's idempotent responses and share keys", async () => {
    const [a, b] = pools.map((p) => billkit({ storage: p.storage, defaultRateLimits: [{ window: "hour", max: 5 }] }))
    const { apiKey } = await a.bootstrap()
    const call = (server: typeof a, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
      server.handler(new Request(`http://billkit.test${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }))

    const first = await call(a, "POST", "/v1/customers", { email: "a@example.com" }, { "idempotency-key": "shared" })
    const replayed = await call(b, "POST", "/v1/customers", { email: "a@example.com" }, { "idempotency-key": "shared" })
    expect(first.status).toBe(201)
    expect(replayed.headers.get("idempotent-replayed")).toBe("true")
    expect(await replayed.text()).toBe(await first.text())

    // Two requests spent above; the hour allows five across both servers.
    expect((await call(a, "GET", "/v1/customers")).headers.get("x-ratelimit-remaining")).toBe("2")
    expect((await call(b, "GET", "/v1/customers")).headers.get("x-ratelimit-remaining")).toBe("1")
    expect((await call(a, "GET", "/v1/customers")).status).toBe(200)
    const limited = await call(b, "GET", "/v1/customers")
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    await Promise.all([a.dispose(), b.dispose()])
  })
})
