/** The never-500 property of packages/core/test/never-500.test.ts, on a real Postgres. */
import { billkit } from "@billkit/core"
import { never500Property, type StorageUnderTest } from "@billkit/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { postgresUnderTest } from "./support.js"

describe("bad input on every endpoint: postgres", () => {
  let underTest: StorageUnderTest
  beforeAll(async () => {
    underTest = await postgresUnderTest()
  })
  afterAll(() => underTest?.close())

  it("gets 2xx or a 4xx problem document, never a 500 (property, postgres)", async () => {
    await never500Property({ storage: underTest.storage, numRuns: 250 })
  }, 240_000)

  it("a NUL byte in the key-less Stripe webhook path is a 404, not a database error (found by the property)", async () => {
    const app = billkit({ storage: underTest.storage })
    const response = await app.handler(new Request("http://billkit.test/v1/providers/stripe/webhook/%00", {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=x" },
      body: JSON.stringify({ lines: [{ description: "x" }] })
    }))
    expect(response.status).toBe(404)
    expect(response.headers.get("content-type")).toContain("application/problem+json")
    await app.dispose()
  })
})
