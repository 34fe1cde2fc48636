/**
 * SQLite's stand-in for a migration lock: one `BEGIN IMMEDIATE` transaction around the whole
 * run, which makes the migrations atomic and keeps a second process out until the first commits.
 *
 * better-sqlite3 is synchronous, so a busy timeout blocks the whole event loop: two connections
 * in one process would deadlock (the holder can never get the thread back to commit). So the
 * lock is tried without waiting, and retried after an asynchronous pause.
 */
import { sql, type Kysely } from "kysely"

const retryEvery = 25
const maxAttempts = 2400 // about a minute

const isBusy = (error: unknown) =>
  typeof error === "object" && error !== null && String((error as { code?: unknown }).code).startsWith("SQLITE_BUSY")

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

const beginImmediate = async (conn: Kysely<any>): Promise<void> => {
  const row = (await sql<Record<string, number>>`pragma busy_timeout`.execute(conn)).rows[0]
  const busyTimeout = row === undefined ? 0 : Number(Object.values(row)[0])
  await sql`pragma busy_timeout = ${sql.lit(0)}`.execute(conn)
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await sql`begin immediate`.execute(conn)
        return
      } catch (error) {
        if (!isBusy(error) || attempt >= maxAttempts) throw error
        await sleep(retryEvery)
      }
    }
  } finally {
    await sql`pragma busy_timeout = ${sql.lit(busyTimeout)}`.execute(conn)
  }
}

/** Runs `run` on one connection inside `BEGIN IMMEDIATE`; commits when `succeeded(result)`. */
export const withSqliteWriteLock = <A>(
  db: Kysely<any>,
  run: (conn: Kysely<any>) => Promise<A>,
  succeeded: (result: A) => boolean
): Promise<A> =>
  db.connection().execute(async (conn) => {
    await beginImmediate(conn)
    let result: A
    try {
      result = await run(conn)
    } catch (error) {
      await sql`rollback`.execute(conn)
      throw error
    }
    await (succeeded(result) ? sql`commit` : sql`rollback`).execute(conn)
    return result
  })
