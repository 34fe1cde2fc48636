/**
 * Where each query runs. Inside `withTransaction` every port call uses the transaction held in a
 * FiberRef (nested calls join it); outside, queries go to the database directly.
 *
 * better-sqlite3 has one connection, so on SQLite one semaphore serializes transactions, and
 * calls outside a transaction wait for it too: no read ever sees another fiber's uncommitted
 * writes. A synchronous statement outside a transaction while nobody holds the connection runs at
 * once, without suspending the fiber. Postgres runs transactions concurrently on the pool.
 */
import { Data, Effect, Exit, FiberRef, Option } from "effect"
import { CompiledQuery, type Compilable, type ControlledTransaction, type Kysely } from "kysely"
import type { SqlDialect } from "./dialect.js"

/** A query failed for a reason other than one the port names: a defect once it leaves the store. */
export class SqlError extends Data.TaggedError("SqlError")<{ readonly cause: unknown }> {
  override get message() {
    return this.cause instanceof Error ? this.cause.message : String(this.cause)
  }
}

/** Runs SQL synchronously on the connection (better-sqlite3), skipping Kysely's async driver. */
export type RunSync = (sql: string, parameters: ReadonlyArray<unknown>) => StatementResult

export interface StatementResult {
  readonly rows: ReadonlyArray<Record<string, unknown>>
  /** Rows changed by an insert, update or delete without `returning`. */
  readonly changes: number
}

/**
 * A statement whose SQL depends only on its key: built and compiled by Kysely once, with
 * placeholders for its arguments, then run with each call's arguments.
 */
export type Prepared = (args: ReadonlyArray<unknown>) => Effect.Effect<StatementResult, SqlError>

export interface SqlExecutor {
  readonly dialect: SqlDialect
  readonly query: <A>(run: (db: Kysely<any>) => Promise<A>) => Effect.Effect<A, SqlError>
  readonly inTransaction: Effect.Effect<boolean>
  readonly withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /**
   * The statement `build` makes, compiled once per `key`: `arg(i)` stands for the i-th argument.
   * The key must determine the SQL (table, columns, filters), never the values.
   */
  readonly prepare: (key: string, build: (db: Kysely<any>, arg: (i: number) => unknown) => Compilable<any>) => Prepared
  /**
   * `prepare`, run once per argument list, in order. On better-sqlite3 the whole loop is one
   * synchronous step, not an Effect per row: a 1,000-row batch is 1,000 statement runs.
   */
  readonly prepareEach: (key: string, build: (db: Kysely<any>, arg: (i: number) => unknown) => Compilable<any>) => PreparedEach
  /**
   * `prepare`, run at once from plain code, outside any fiber, where statements run
   * synchronously (better-sqlite3). Answers undefined while a fiber holds the connection (an open
   * transaction, an async query): the caller then takes the Effect path, which waits for it.
   * Undefined itself on a driver that cannot run synchronously.
   */
  readonly prepareNow?: (key: string, build: (db: Kysely<any>, arg: (i: number) => unknown) => Compilable<any>) => PreparedNow
}

/** A prepared statement run synchronously: its result, or undefined when it cannot run now. */
export type PreparedNow = (args: ReadonlyArray<unknown>) => StatementResult | undefined

/** A prepared statement run for each of several argument lists; a result per list. */
export type PreparedEach = (argsList: ReadonlyArray<ReadonlyArray<unknown>>) => Effect.Effect<ReadonlyArray<StatementResult>, SqlError>

const maxStatements = 500

const placeholder = (i: number) => `\u0000billkit-arg-${i}\u0000`
const placeholderPattern = /^\u0000billkit-arg-(\d+)\u0000$/

/** Where each compiled parameter comes from: an argument, or a constant Kysely put there. */
type ParameterSource = { readonly arg: number } | { readonly value: unknown }

/** A statement compiled once: its SQL, and where each of its parameters comes from. */
interface Compiled {
  readonly sql: string
  readonly sources: ReadonlyArray<ParameterSource>
  /** The parameters are the arguments, in order: the argument list can be bound as it is. */
  readonly direct: boolean
}

const attempt = <A>(run: () => Promise<A>): Effect.Effect<A, SqlError> =>
  Effect.tryPromise({ try: run, catch: (cause) => new SqlError({ cause }) })

export const makeSqlExecutor = (db: Kysely<any>, dialect: SqlDialect, runSync?: RunSync): SqlExecutor => {
  const current = FiberRef.unsafeMake<Option.Option<ControlledTransaction<any>>>(Option.none())
  const sqliteLock = Effect.unsafeMakeSemaphore(1)
  // How many fibers hold the lock. Taking even a free semaphore suspends the fiber and resumes it
  // through the scheduler; synchronous work cannot interleave with anything, so while no fiber
  // holds the lock it runs at once without taking it (`onConnection`).
  let holders = 0
  const hold = Effect.sync(() => {
    holders++
  })
  const letGo = Effect.sync(() => {
    holders--
  })
  const serialized = dialect === "sqlite"
    ? <A, E, R>(self: Effect.Effect<A, E, R>) => sqliteLock.withPermits(1)(Effect.acquireUseRelease(hold, () => self, () => letGo))
    : <A, E, R>(self: Effect.Effect<A, E, R>) => self

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

  const statements = new Map<string, Compiled>()
  const compile = (key: string, build: (db: Kysely<any>, arg: (i: number) => unknown) => Compilable<any>): Compiled => {
    let statement = statements.get(key)
    if (statement === undefined) {
      const compiled = build(db, placeholder).compile()
      const sources = compiled.parameters.map((p): ParameterSource => {
        const match = typeof p === "string" ? placeholderPattern.exec(p) : null
        return match === null ? { value: p } : { arg: Number(match[1]) }
      })
      statement = { sql: compiled.sql, sources, direct: sources.every((source, i) => "arg" in source && source.arg === i) }
      // Keys are shapes, so few; batch sizes could make many: keep the cache bounded.
      if (statements.size >= maxStatements) statements.clear()
      statements.set(key, statement)
    }
    return statement
  }

  /** The statement of `key`, compiled on first use. */
  const lazily = (key: string, build: (db: Kysely<any>, arg: (i: number) => unknown) => Compilable<any>) => {
    let statement: Compiled | undefined
    return (): Compiled => (statement ??= compile(key, build))
  }
  const parametersOf = ({ direct, sources }: Compiled, args: ReadonlyArray<unknown>) =>
    direct && args.length === sources.length ? args : sources.map((s) => ("arg" in s ? args[s.arg] : s.value))

  /**
   * Synchronous work on the one connection: inside a transaction it is ours; outside, it waits
   * for whoever holds the connection (an open transaction, an async query), or runs at once.
   */
  const onConnection = <A>(work: () => A): Effect.Effect<A, SqlError> => {
    const run = Effect.try({ try: work, catch: (cause) => new SqlError({ cause }) })
    return Effect.flatMap(FiberRef.get(current), (trx) => (Option.isSome(trx) || holders === 0 ? run : serialized(run)))
  }

  const prepare = (key: string, build: (db: Kysely<any>, arg: (i: number) => unknown) => Compilable<any>): Prepared => {
    const statement = lazily(key, build)
    return (args) => {
      const compiled = statement()
      const parameters = parametersOf(compiled, args)
      if (runSync !== undefined) return onConnection(() => runSync(compiled.sql, parameters))
      return query((conn) => conn.executeQuery(CompiledQuery.raw(compiled.sql, parameters as Array<unknown>))).pipe(
        Effect.map((result) => ({
          rows: result.rows as ReadonlyArray<Record<string, unknown>>,
          changes: Number(result.numAffectedRows ?? 0n)
        }))
      )
    }
  }

  const prepareEach = (key: string, build: (db: Kysely<any>, arg: (i: number) => unknown) => Compilable<any>): PreparedEach => {
    if (runSync === undefined) {
      const one = prepare(key, build)
      return (argsList) => Effect.forEach(argsList, one)
    }
    const statement = lazily(key, build)
    return (argsList) => {
      const compiled = statement()
      return onConnection(() => argsList.map((args) => runSync(compiled.sql, parametersOf(compiled, args))))
    }
  }

  const prepareNow = runSync === undefined ? undefined : (key: string, build: (db: Kysely<any>, arg: (i: number) => unknown) => Compilable<any>): PreparedNow => {
    const statement = lazily(key, build)
    return (args) => {
      if (holders !== 0) return undefined
      const compiled = statement()
      return runSync(compiled.sql, parametersOf(compiled, args))
    }
  }

  return {
    dialect,
    prepare,
    prepareEach,
    prepareNow,
    query,
    inTransaction: Effect.map(FiberRef.get(current), Option.isSome),
    withTransaction
  }
}
