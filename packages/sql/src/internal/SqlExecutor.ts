/**
 * Where each query runs. Inside `withTransaction` every port call uses the transaction held in a
 * FiberRef (nested calls join it); outside, queries go to the database directly.
 *
 * better-sqlite3 has one connection, so on SQLite one semaphore serializes transactions, and
 * calls outside a transaction wait for it too: no read ever sees another fiber's uncommitted
 * writes. Postgres runs transactions concurrently on the pool.
 */
import { Data, Effect, Exit, FiberRef, Option } from "effect"
import type { ControlledTransaction, Kysely } from "kysely"
import type { SqlDialect } from "./dialect.js"

/** A query failed for a reason other than one the port names: a defect once it leaves the store. */
export class SqlError extends Data.TaggedError("SqlError")<{ readonly cause: unknown }> {
  override get message() {
    return this.cause instanceof Error ? this.cause.message : String(this.cause)
  }
}

export interface SqlExecutor {
  readonly dialect: SqlDialect
  readonly query: <A>(run: (db: Kysely<any>) => Promise<A>) => Effect.Effect<A, SqlError>
  readonly inTransaction: Effect.Effect<boolean>
  readonly withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

const attempt = <A>(run: () => Promise<A>): Effect.Effect<A, SqlError> =>
  Effect.tryPromise({ try: run, catch: (cause) => new SqlError({ cause }) })

export const makeSqlExecutor = (db: Kysely<any>, dialect: SqlDialect): SqlExecutor => {
  const current = FiberRef.unsafeMake<Option.Option<ControlledTransaction<any>>>(Option.none())
  const sqliteLock = Effect.unsafeMakeSemaphore(1)
  const serialized = dialect === "sqlite" ? sqliteLock.withPermits(1) : <A, E, R>(self: Effect.Effect<A, E, R>) => self

  const query = <A>(run: (db: Kysely<any>) => Promise<A>): Effect.Effect<A, SqlError> =>
    Effect.flatMap(FiberRef.get(current), (trx) =>
      Option.isSome(trx) ? attempt(() => run(trx.value)) : serialized(attempt(() => run(db)))
    )

  const begin = attempt(() => db.startTransaction().execute()).pipe(Effect.orDie)
  const end = (trx: ControlledTransaction<any>, exit: Exit.Exit<unknown, unknown>) =>
    attempt(() => (Exit.isSuccess(exit) ? trx.commit() : trx.rollback()).execute()).pipe(Effect.orDie)

  const withTransaction = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(FiberRef.get(current), (outer) =>
      Option.isSome(outer)
        ? self
        : serialized(Effect.acquireUseRelease(begin, (trx) => Effect.locally(self, current, Option.some(trx)), end))
    )

  return {
    dialect,
    query,
    inTransaction: Effect.map(FiberRef.get(current), Option.isSome),
    withTransaction
  }
}
