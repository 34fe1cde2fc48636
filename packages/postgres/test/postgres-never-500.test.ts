/** The never-500 property of packages/core/test/never-500.test.ts, on a real Postgres. */
import { never500Property, type StorageUnderTest } from "@billkit/testing"
import { afterAll, beforeAll, describe, it } from "vitest"
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
})
