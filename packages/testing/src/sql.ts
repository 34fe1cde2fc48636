/** `@billkit/testing/sql`: suites for the SQL storage (`@billkit/sql`), run by each dialect's tests. */
export { migrationSuite, type Connection, type FreshDatabase } from "./migrationSuite.js"
