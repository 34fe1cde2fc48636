/** Billkit storage on PostgreSQL through a `pg` pool: the scale-out path, shared by many processes. */
import type { Layer } from "effect"
import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import type { Storage, StoragePort } from "@billkit/core"
import { layerStorage, makeSqlStorage, migrate, type MigrationError } from "@billkit/sql"

export interface PostgresOptions {
  readonly connectionString: string
  /** Most connections the pool opens (pg's default: 10). */
  readonly max?: number
}

export interface PostgresStorage {
  readonly storage: StoragePort
  readonly db: Kysely<any>
  readonly pool: pg.Pool
  /** Brings the schema up to date (safe to run from several processes at once). */
  readonly migrate: () => Promise<void>
  readonly close: () => Promise<void>
}

export const makePostgresStorage = (options: PostgresOptions): PostgresStorage => {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    ...(options.max === undefined ? {} : { max: options.max })
  })
  // An idle client losing its connection (a server restart, a terminated backend) must not crash
  // the process: the pool drops that client and the next query opens a new one.
  pool.on("error", () => {})
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) })
  return {
    storage: makeSqlStorage(db, { dialect: "postgres", sharedAcrossProcesses: true }),
    db,
    pool,
    migrate: () => migrate(db),
    // Ends the pool too.
    close: () => db.destroy()
  }
}

/** Connects, migrates and provides `Storage`; ends the pool when the scope ends. */
export const layerPostgres = (options: PostgresOptions): Layer.Layer<Storage, MigrationError> =>
  layerStorage(() => makePostgresStorage(options))
