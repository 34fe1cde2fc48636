/** Billkit storage on a SQLite file (or in memory) through better-sqlite3. */
import Database from "better-sqlite3"
import type { Layer } from "effect"
import { Kysely } from "kysely"
import type { Storage, StoragePort } from "@billkit/core"
import { layerStorage, makeSqlStorage, migrate, type MigrationError, type RunSync } from "@billkit/sql"
import { startBackgroundCheckpoints } from "./internal/BackgroundCheckpoints.js"
import { ImmediateSqliteDialect } from "./internal/ImmediateSqliteDialect.js"
import { withStatementCache } from "./internal/StatementCache.js"

export type SqliteOptions =
  & (
    /** A file path, or ":memory:". */
    | { readonly filename: string }
    /** An open database; `close()` closes it. */
    | { readonly database: Database.Database }
  )
  & {
    /**
     * Where the write-ahead log is copied back into a database file: `"background"` (default)
     * on a worker thread with its own connection, so no commit waits for the copy and its
     * fsyncs; `"inline"` inside the commit that fills the log, as SQLite does by default. A
     * database in memory always has it inline.
     */
    readonly checkpoints?: "background" | "inline"
  }

export interface SqliteStorage {
  readonly storage: StoragePort
  readonly db: Kysely<any>
  /** Brings the schema up to date (safe to run from several processes at once). */
  readonly migrate: () => Promise<void>
  readonly close: () => Promise<void>
}

// WAL lets readers run beside the writer; NORMAL sync is durable across crashes of the process
// (only an OS crash may lose the last transactions) and much faster than FULL under WAL.
const configure = (database: Database.Database): Database.Database => {
  database.pragma("journal_mode = WAL")
  database.pragma("busy_timeout = 5000")
  database.pragma("foreign_keys = ON")
  database.pragma("synchronous = NORMAL")
  // Reads through a memory map (up to 1 GiB of the file) and 64 MiB of page cache (SQLite's default
  // is 2 MiB): with a database of hundreds of MB (an imported Stripe account) every index probe was
  // otherwise a read() syscall, half the import's CPU (docs/performance.md, "Stripe import").
  database.pragma("mmap_size = 1073741824")
  database.pragma("cache_size = -65536")
  return database
}

const noRows: ReadonlyArray<Record<string, unknown>> = Object.freeze([])

export const makeSqliteStorage = (options: SqliteOptions): SqliteStorage => {
  const database = configure("database" in options ? options.database : new Database(options.filename))
  const checkpointer = options.checkpoints === "inline" ? undefined : startBackgroundCheckpoints(database)
  const cached = withStatementCache(database)
  const db = new Kysely<any>({ dialect: new ImmediateSqliteDialect({ database: cached }) })
  // better-sqlite3 is synchronous: Billkit's hot statements run on it directly, on the same
  // connection (and so in the same transaction) as Kysely's queries.
  const runSync: RunSync = (sql, parameters) => {
    const statement = cached.prepare(sql) as unknown as Database.Statement
    if (statement.reader) return { rows: statement.all(...parameters) as Array<Record<string, unknown>>, changes: 0 }
    return { rows: noRows, changes: statement.run(...parameters).changes }
  }
  return {
    // One process owns the file: rate limits may be counted in memory.
    storage: makeSqlStorage(db, { dialect: "sqlite", sharedAcrossProcesses: false, runSync }),
    db,
    migrate: () => migrate(db),
    // The worker's connection first: the last one to close folds the log into the file.
    close: async () => {
      await checkpointer?.stop()
      await db.destroy()
    }
  }
}

/** Opens the database, migrates it and provides `Storage`; closes it when the scope ends. */
export const layerSqlite = (options: SqliteOptions): Layer.Layer<Storage, MigrationError> =>
  layerStorage(() => makeSqliteStorage(options))
