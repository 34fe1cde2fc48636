// The two backends, each with Billkit's storage and, beside it, the plain insert: the same rows
// into a copy of billkit_usage_events (same columns, primary key, unique and secondary indexes),
// with the same driver, outside Billkit.
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import Database from "better-sqlite3"
import pg from "pg"
import { makePostgresStorage } from "@billkit/postgres"
import { makeSqliteStorage } from "@billkit/sqlite"
import { startPostgresServer } from "@billkit/testing/postgres"

export const plainTable = "bench_plain_usage_events"
/** A second copy, for the variant with `on conflict do nothing` (event_id dedup). */
export const dedupTable = "bench_plain_dedup_usage_events"
const columns = ["id", "project_id", "mode", "data", "event_id", "customer", "subscription", "code"]

/** The stored rows of events `<prefix>-…` in event_id order, as Billkit wrote them. */
const selectStored = `select ${columns.join(", ")} from billkit_usage_events where event_id >= $1 and event_id < $2 order by event_id`
const rangeOf = (prefix) => [`${prefix}-`, `${prefix}.`] // "." follows "-" in ASCII

const sqlite = async ({ checkpoints } = {}) => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-bench-usage-"))
  const filename = join(dir, "billkit.db")
  const billkitDb = makeSqliteStorage({ filename, checkpoints })
  await billkitDb.migrate()
  // The plain side: its own better-sqlite3 connection, configured as @billkit/sqlite configures its own.
  const raw = new Database(filename)
  raw.pragma("journal_mode = WAL")
  raw.pragma("busy_timeout = 5000")
  raw.pragma("synchronous = NORMAL")
  // A copy of the table and its indexes, from the schema Billkit's migrations created.
  const schema = raw.prepare("select sql from sqlite_master where tbl_name = 'billkit_usage_events' and sql is not null").pluck().all()
  for (const table of [plainTable, dedupTable]) for (const ddl of schema) raw.exec(ddl.replaceAll("billkit_usage_events", table))
  const placeholders = columns.map(() => "?").join(", ")
  const insert = raw.prepare(`insert into ${plainTable} (${columns.join(", ")}) values (${placeholders})`)
  const insertBatch = raw.transaction((rows) => {
    for (const r of rows) insert.run(r.id, r.project_id, r.mode, r.data, r.event_id, r.customer, r.subscription, r.code)
  })
  const dedupInsert = raw.prepare(`insert into ${dedupTable} (${columns.join(", ")}) values (${placeholders}) on conflict do nothing`)
  const dedupBatch = raw.transaction((rows) => {
    let n = 0
    // `changes` says whether the row went in (a RETURNING read per row is 2–3× slower on better-sqlite3).
    for (const r of rows) n += dedupInsert.run(r.id, r.project_id, r.mode, r.data, r.event_id, r.customer, r.subscription, r.code).changes
    return n
  })
  const select = raw.prepare(selectStored.replace("$1", "?").replace("$2", "?"))
  return {
    name: "sqlite",
    describe: `SQLite file in ${dir} (WAL, synchronous=NORMAL), better-sqlite3`,
    storage: billkitDb.storage,
    databaseUrl: () => `file:${join(dir, "http.db")}`,
    /** One transaction of prepared single-row inserts per batch. */
    plainInsert: async (rows) => insertBatch(rows),
    /** The same with `on conflict do nothing`, counting what went in (what event_id dedup needs). */
    plainInsertDedup: async (rows) => dedupBatch(rows),
    storedRows: async (prefix) => select.all(...rangeOf(prefix)),
    count: async (table) => raw.prepare(`select count(*) from ${table}`).pluck().get(),
    /**
     * Folds the log into the file and empties it, before a timed run: else the run would share
     * the machine with the checkpoints of whatever was written before it (Billkit's 100 batches,
     * for the plain insert after them).
     */
    settle: async () => {
      for (let attempt = 0; attempt < 20; attempt++) {
        if (raw.pragma("wal_checkpoint(TRUNCATE)")[0].busy === 0) return
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      console.warn("warning: the log could not be emptied before a timed run")
    },
    // Not counted in ingestion: SQLite checkpoints the WAL into the file as it goes.
    close: async () => {
      raw.close()
      await billkitDb.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const postgres = async () => {
  const server = process.env.BILLKIT_BENCH_DATABASE_URL === undefined ? await startPostgresServer() : undefined
  const url = process.env.BILLKIT_BENCH_DATABASE_URL ?? server.url
  // A fresh database per run, so that a reused server starts empty too.
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  const database = `billkit_bench_usage_${process.pid}`
  await admin.query(`create database ${database}`)
  await admin.query(`create database ${database}_http`)
  const urlOf = (name) => {
    const u = new URL(url)
    u.pathname = `/${name}`
    return u.toString()
  }
  const billkitDb = makePostgresStorage({ connectionString: urlOf(database) })
  await billkitDb.migrate()
  const raw = new pg.Client({ connectionString: urlOf(database) })
  await raw.connect()
  // Same columns (with the id's "C" collation), primary key, unique and secondary indexes.
  for (const table of [plainTable, dedupTable]) await raw.query(`create table ${table} (like billkit_usage_events including all)`)
  const multiRow = (n, suffix = "", table = plainTable) => {
    const values = Array.from({ length: n }, (_, i) => `(${columns.map((_, c) => `$${i * columns.length + c + 1}`).join(", ")})`)
    return `insert into ${table} (${columns.join(", ")}) values ${values.join(", ")}${suffix}`
  }
  const params = (rows) => rows.flatMap((r) => columns.map((c) => r[c]))
  // For the concurrent plain insert: as many connections as batches in flight.
  const pool = new pg.Pool({ connectionString: urlOf(database), max: 4 })
  return {
    name: "postgres",
    describe: `PostgreSQL ${server === undefined ? "at BILLKIT_BENCH_DATABASE_URL" : "15, throwaway server on loopback (fsync=off, synchronous_commit=off)"}, pg`,
    storage: billkitDb.storage,
    databaseUrl: () => urlOf(`${database}_http`),
    /** One multi-row INSERT per batch (autocommit: one transaction). */
    plainInsert: async (rows) => raw.query(multiRow(rows.length), params(rows)),
    plainInsertDedup: async (rows) => (await raw.query(multiRow(rows.length, " on conflict do nothing returning id", dedupTable), params(rows))).rowCount,
    /** The plain insert on a pool of 4 connections, for batches sent concurrently. */
    plainInsertPooled: async (rows) => pool.query(multiRow(rows.length), params(rows)),
    storedRows: async (prefix) => (await raw.query(selectStored, rangeOf(prefix))).rows,
    count: async (table) => Number((await raw.query(`select count(*) from ${table}`)).rows[0].count),
    close: async () => {
      await raw.end()
      await pool.end()
      await billkitDb.close()
      await admin.query(`drop database ${database}_http with (force)`).catch(() => undefined)
      await admin.query(`drop database ${database} with (force)`).catch(() => undefined)
      await admin.end()
      await server?.stop()
    }
  }
}

export const openBackend = (name, options = {}) => (name === "sqlite" ? sqlite(options) : postgres())
