/**
 * `@billkit/testing/postgres`: a throwaway PostgreSQL server for scripts outside vitest
 * (benchmarks). The main entry imports vitest, which refuses to load outside its runner.
 */
export { PostgresNotFound, startPostgresServer, type PostgresServer } from "./PostgresServer.js"
