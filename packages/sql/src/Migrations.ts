/**
 * Runs Billkit's bundled migrations with Kysely's `Migrator`, under Billkit's own bookkeeping
 * tables (`billkit_migration`, `billkit_migration_lock`) so that a host app's Kysely migrations
 * (`kysely_migration`) never see ours, nor we theirs.
 */
import { Data, Effect } from "effect"
import { Migrator, type Kysely, type MigrationResultSet } from "kysely"
import { dialectOf } from "./internal/dialect.js"
import { withSqliteWriteLock } from "./internal/sqliteWriteLock.js"
import { migrations } from "./migrations/index.js"

export { migrations }

export const migrationTableName = "billkit_migration"
export const migrationLockTableName = "billkit_migration_lock"

export class MigrationError extends Data.TaggedError("MigrationError")<{
  readonly message: string
  /** The migration that failed, when one did (rather than the bookkeeping around them). */
  readonly migration?: string
  readonly cause: unknown
}> {}

const makeMigrator = (db: Kysely<any>) =>
  new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableName,
    migrationLockTableName
  })

const toError = ({ error, results }: MigrationResultSet): MigrationError => {
  const failed = results?.find((r) => r.status === "Error")?.migrationName
  const reason = error instanceof Error ? error.message : String(error)
  return new MigrationError({
    message: failed ? `Billkit migration ${failed} failed: ${reason}` : `Billkit migrations failed: ${reason}`,
    ...(failed ? { migration: failed } : {}),
    cause: error
  })
}

/**
 * Brings the schema to the latest version; a no-op when it is there already. Safe to run from
 * several processes at once: Postgres serializes them with Kysely's advisory lock; on SQLite,
 * where Kysely takes no lock, the whole run is one `BEGIN IMMEDIATE` transaction.
 */
export const migrate = async (db: Kysely<any>): Promise<void> => {
  const result =
    dialectOf(db) === "sqlite"
      ? await withSqliteWriteLock(db, (conn) => makeMigrator(conn).migrateToLatest(), (r) => r.error === undefined)
      : await makeMigrator(db).migrateToLatest()
  if (result.error !== undefined) throw toError(result)
}

/** `migrate` as an Effect, failing with a `MigrationError`. */
export const migrateEffect = Effect.fn("Billkit.migrate")((db: Kysely<any>) =>
  Effect.tryPromise({
    try: () => migrate(db),
    catch: (cause) =>
      cause instanceof MigrationError
        ? cause
        : new MigrationError({ message: `Billkit migrations failed: ${String(cause)}`, cause })
  })
)
