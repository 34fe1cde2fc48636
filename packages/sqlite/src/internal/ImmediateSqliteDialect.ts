/**
 * Kysely's SQLite dialect with transactions opened by `BEGIN IMMEDIATE`: the write lock is taken
 * up front, so a transaction that reads and then writes never fails with SQLITE_BUSY midway when
 * another process writes to the same file (a deferred `BEGIN` cannot wait for that lock).
 */
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type SqliteDialectConfig } from "kysely"

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin immediate"))
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig

  constructor(config: SqliteDialectConfig) {
    super(config)
    this.#config = config
  }

  override createDriver() {
    return new ImmediateSqliteDriver(this.#config)
  }
}
