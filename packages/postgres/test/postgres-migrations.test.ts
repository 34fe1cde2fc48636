import { Effect } from "effect"
import { Storage } from "@billkit/core"
import { layerPostgres, makePostgresStorage } from "@billkit/postgres"
import { createTestDatabase } from "@billkit/testing"
import { describe, expect, it } from "vitest"
import { migrationSuite } from "@billkit/testing/sql"

migrationSuite("postgres", async () => {
  const database = await createTestDatabase()
  return {
    // Each connection is a pool of its own, as in another process.
    connect: async () => {
      const { db, close } = makePostgresStorage({ connectionString: database.url, max: 2 })
      return { db, close }
    },
    drop: database.drop
  }
})

describe("layerPostgres", () => {
  it("connects, migrates and provides Storage, then ends the pool", async () => {
    const database = await createTestDatabase()
    try {
      const program = Effect.gen(function* () {
        const storage = yield* Storage
        yield* storage.projects.insert({ id: "proj_1", name: "One", createdAt: "2024-01-01T00:00:00.000Z", settings: {} })
        return [storage.dialect, storage.sharedAcrossProcesses, yield* storage.projects.count] as const
      })
      const layer = layerPostgres({ connectionString: database.url })
      expect(await Effect.runPromise(Effect.provide(program, layer))).toEqual(["postgres", true, 1])
    } finally {
      await database.drop()
    }
  })

  it("fails with a MigrationError when the server cannot be reached", async () => {
    const layer = layerPostgres({ connectionString: "postgres://nobody@127.0.0.1:1/none" })
    const exit = await Effect.runPromiseExit(Effect.provide(Effect.void, layer))
    expect(exit._tag).toBe("Failure")
    expect(JSON.stringify(exit)).toMatch(/MigrationError/)
  })
})
