/**
 * better-sqlite3 compiles SQL on every `prepare`; Kysely calls it for every query. The queries
 * Billkit runs come from a few dozen shapes, so keeping their prepared statements saves that
 * compile on every request. Kysely's driver runs one query at a time on the connection, so a
 * statement is never used by two queries at once.
 */
import type Database from "better-sqlite3"
import type { SqliteDatabase } from "kysely"

const maxStatements = 500

export const withStatementCache = (database: Database.Database): SqliteDatabase => {
  const statements = new Map<string, Database.Statement>()
  return {
    close: () => {
      statements.clear()
      database.close()
    },
    prepare: (sql: string) => {
      let statement = statements.get(sql)
      if (statement === undefined) {
        statement = database.prepare(sql)
        // Shapes are few; a host running ad-hoc SQL through this connection must not grow it forever.
        if (statements.size >= maxStatements) statements.clear()
        statements.set(sql, statement)
      }
      return statement
    }
  }
}
