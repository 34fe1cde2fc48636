/**
 * A fresh database per test file on the run's PostgreSQL server, so that files run in parallel
 * without seeing each other's tables.
 */
import { randomBytes } from "node:crypto"
import { inject } from "vitest"

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server started by the global setup (or BILLKIT_TEST_DATABASE_URL). */
    postgresUrl: string
  }
}

export interface TestDatabase {
  readonly url: string
  /** Drops the database, closing whatever connections are still open on it. */
  readonly drop: () => Promise<void>
}

/** The admin URL the global setup provided. */
export const testPostgresUrl = (): string => inject("postgresUrl")

const withAdmin = async (adminUrl: string, statement: string): Promise<void> => {
  // Loaded lazily: `pg` is an optional peer, needed only by Postgres test suites.
  const { default: pg } = await import("pg")
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

export const createTestDatabase = async (adminUrl: string = testPostgresUrl()): Promise<TestDatabase> => {
  const name = `billkit_test_${randomBytes(6).toString("hex")}`
  await withAdmin(adminUrl, `CREATE DATABASE ${name}`)
  const url = new URL(adminUrl)
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    drop: () => withAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
}
