/**
 * Whatever a client sends to whichever endpoint, the answer is a success or a 4xx problem
 * document, never a 500 (the property is in @billkit/testing, shared with the Postgres run in
 * packages/postgres/test/postgres-never-500.test.ts).
 */
import { makeMemoryStorage } from "@billkit/core"
import { never500Property } from "@billkit/testing"
import { describe, it } from "vitest"

describe("bad input on every endpoint", () => {
  it("gets 2xx or a 4xx problem document, never a 500 (property, memory)", async () => {
    await never500Property({ storage: makeMemoryStorage(), numRuns: 400 })
  }, 180_000)
})
