import { PostgresAdapter, SqliteAdapter, type Kysely } from "kysely"

export type SqlDialect = "sqlite" | "postgres"

/** Which of the supported dialects `db` speaks, read from its adapter. */
export const dialectOf = (db: Kysely<any>): SqlDialect => {
  const adapter = db.getExecutor().adapter
  if (adapter instanceof SqliteAdapter) return "sqlite"
  if (adapter instanceof PostgresAdapter) return "postgres"
  throw new Error(`Billkit supports SQLite and PostgreSQL; got a Kysely adapter ${adapter.constructor.name}`)
}
