import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Option } from "effect"
import { Storage } from "@billkit/core"
import { layerSqlite, makeSqliteStorage } from "@billkit/sqlite"
import { sql } from "kysely"
import { describe, expect, it } from "vitest"
import { migrationSuite } from "@billkit/testing/sql"

const freshFile = async () => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-sqlite-migrations-"))
  const filename = join(dir, "app.db")
  return {
    // Each connection is its own better-sqlite3 handle on the file, as in another process.
    connect: async () => {
      const { db, close } = makeSqliteStorage({ filename })
      return { db, close }
    },
    drop: async () => rmSync(dir, { recursive: true, force: true })
  }
}

migrationSuite("sqlite", freshFile)

describe("layerSqlite", () => {
  it("opens, migrates and provides Storage, then closes the database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "billkit-sqlite-layer-"))
    try {
      const filename = join(dir, "layer.db")
      const program = Effect.gen(function* () {
        const storage = yield* Storage
        yield* storage.projects.insert({ id: "proj_1", name: "One", createdAt: "2024-01-01T00:00:00.000Z", settings: {} })
        return [storage.dialect, yield* storage.projects.count] as const
      })
      expect(await Effect.runPromise(Effect.provide(program, layerSqlite({ filename })))).toEqual(["sqlite", 1])
      // The data outlives the layer, and the file was closed cleanly (WAL checkpointed).
      const reopened = makeSqliteStorage({ filename })
      expect(await Effect.runPromise(reopened.storage.projects.first)).toMatchObject(Option.some({ id: "proj_1" }))
      await reopened.close()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("sets the pragmas", async () => {
    const dir = mkdtempSync(join(tmpdir(), "billkit-sqlite-pragmas-"))
    const sqlite = makeSqliteStorage({ filename: join(dir, "p.db") })
    try {
      const pragma = async (name: string) =>
        Object.values((await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(sqlite.db)).rows[0])[0]
      expect(await pragma("journal_mode")).toBe("wal")
      expect(await pragma("busy_timeout")).toBe(5000)
      expect(await pragma("foreign_keys")).toBe(1)
      expect(await pragma("synchronous")).toBe(1)
    } finally {
      await sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("queue indexes", () => {
  // The due query of every queue (packages/sql/src/internal/bulkRecords.ts, `due`) must read
  // `limit` rows from an index in order. Sorting instead ("USE TEMP B-TREE FOR ORDER BY") reads
  // every waiting row on each claim: draining N rows then costs O(N²) (migrations 0015, 0016).
  const queues = [
    ["billkit_subscriptions", "due_at"],
    ["billkit_invoices", "due_at"],
    ["billkit_webhook_deliveries", "due_at"],
    ["billkit_events", "dispatch"],
    ["billkit_syncs", "due_at"]
  ] as const

  it("claims each queue's next rows from an index in order, without sorting what waits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "billkit-sqlite-plans-"))
    const sqlite = makeSqliteStorage({ filename: join(dir, "plans.db") })
    try {
      await sqlite.migrate()
      for (const [table, field] of queues) {
        const plan = await sql<{ detail: string }>`explain query plan select data from ${sql.table(table)}
          where project_id = ${"proj"} and mode = ${"test"} and ${sql.ref(field)} <= ${"9"}
          order by ${sql.ref(field)}, id limit ${100}`.execute(sqlite.db)
        const details = plan.rows.map((r) => r.detail).join(" | ")
        expect(details, table).toContain(`${table}_${field}_order_idx`)
        expect(details, table).not.toContain("TEMP B-TREE")
      }
    } finally {
      await sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
