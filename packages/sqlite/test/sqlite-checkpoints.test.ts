// The write-ahead log is copied back into the database file on a worker thread, not inside the
// commit that fills it: no commit waits for the copy and its fsyncs (BackgroundCheckpoints.ts).
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import Database from "better-sqlite3"
import { sql } from "kysely"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { makeSqliteStorage } from "@billkit/sqlite"

let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "billkit-checkpoints-"))
  file = join(dir, "billkit.db")
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** About 2,000 pages (8 MB) in one transaction: past SQLite's default of 1,000, short of the main connection's 10,000. */
const writeTwoThousandPages = async (sqlite: ReturnType<typeof makeSqliteStorage>) => {
  await sql`create table blobs (body blob)`.execute(sqlite.db)
  await sqlite.db.transaction().execute((trx) =>
    sql`with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000) insert into blobs select randomblob(4000) from n`.execute(trx)
  )
}

const sizeOf = (path: string) => statSync(path).size

const waitFor = async (condition: () => boolean, ms = 10_000) => {
  const until = Date.now() + ms
  while (!condition() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20))
  return condition()
}

describe("WAL checkpoints", () => {
  it("run on the worker: the commit leaves the log in the WAL, the worker folds it into the file", async () => {
    const sqlite = makeSqliteStorage({ filename: file })
    await sqlite.migrate()
    const before = sizeOf(file)
    await writeTwoThousandPages(sqlite)
    // The committing thread did not copy the 8 MB into the file (the worker may, meanwhile, have
    // copied the migrations' pages: a bound on the size, not the size itself)…
    expect(sizeOf(file)).toBeLessThan(before + 8_000_000)
    expect(sizeOf(`${file}-wal`)).toBeGreaterThan(8_000_000)
    // …the worker does, within a few of its rounds.
    expect(await waitFor(() => sizeOf(file) > before + 8_000_000)).toBe(true)
    await sqlite.close()
    // Closed last, the main connection folded what was left and removed the log.
    expect(existsSync(`${file}-wal`)).toBe(false)
    const reopened = new Database(file, { readonly: true })
    expect(reopened.prepare("select count(*) as n from blobs").get()).toEqual({ n: 2000 })
    expect(reopened.pragma("integrity_check", { simple: true })).toBe("ok")
    reopened.close()
  })

  it("run inside the commit with checkpoints: \"inline\", as SQLite does by default", async () => {
    const sqlite = makeSqliteStorage({ filename: file, checkpoints: "inline" })
    await sqlite.migrate()
    const before = sizeOf(file)
    await writeTwoThousandPages(sqlite)
    expect(sizeOf(file)).toBeGreaterThan(before + 8_000_000)
    await sqlite.close()
  })

  it("work on a database the host opened, and leave one in memory as it is", async () => {
    const onFile = makeSqliteStorage({ database: new Database(file) })
    await onFile.migrate()
    const before = sizeOf(file)
    await writeTwoThousandPages(onFile)
    expect(sizeOf(file)).toBeLessThan(before + 8_000_000)
    expect(await waitFor(() => sizeOf(file) > before + 8_000_000)).toBe(true)
    await onFile.close()

    const inMemory = makeSqliteStorage({ filename: ":memory:" })
    await inMemory.migrate()
    await writeTwoThousandPages(inMemory)
    expect(await sql<{ n: number }>`select count(*) as n from blobs`.execute(inMemory.db)).toMatchObject({ rows: [{ n: 2000 }] })
    await inMemory.close()
  })

  it("lose no committed transaction when the process is killed (kill -9) in the middle of them", async () => {
    const child = fileURLToPath(new URL("./fixture/checkpoint-child.mjs", import.meta.url))
    let reported = 0
    for (const killAfterMs of [700, 1_300, 2_100]) {
      const proc = spawn(process.execPath, [child, file], { stdio: ["ignore", "pipe", "pipe"] })
      let stderr = ""
      proc.stderr.on("data", (chunk) => (stderr += chunk))
      proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
        const last = /COMMITTED (\d+)\n(?![\s\S]*COMMITTED)/.exec(chunk)
        if (last !== null) reported = Math.max(reported, Number(last[1]))
      })
      const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.once("exit", (_code, signal) => resolve(signal)))
      // Past the worker's first checkpoints (every 500 ms), then at an arbitrary moment.
      const before = reported
      expect(await waitFor(() => reported > before + 100), stderr).toBe(true)
      await new Promise((resolve) => setTimeout(resolve, killAfterMs))
      proc.kill("SIGKILL")
      expect(await exited).toBe("SIGKILL")
      expect(stderr).toBe("")

      const db = new Database(file)
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok")
      const { last, rows } = db.prepare("select max(n) filter (where n < 1000000) as last, count(*) as rows from rows").get() as { last: number; rows: number }
      // Every transaction it reported committed is there, whole; none is there in part.
      expect(last).toBeGreaterThanOrEqual(reported)
      expect(rows).toBe(8 * last)
      db.close()
      reported = last
    }
  }, 60_000)
})
