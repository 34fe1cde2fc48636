/**
 * WAL checkpoints on a thread of their own. SQLite copies the write-ahead log back into the
 * database file (a checkpoint) from inside the commit that makes the log pass
 * `wal_autocheckpoint` pages, and under `synchronous = NORMAL` that copy ends with two fsyncs.
 * better-sqlite3 is synchronous, so every such commit held the whole process: in the billing loop
 * (SQLite, 10,000 renewals) one commit in ten took 10 ms or more, some over a second, and
 * commits were 13 % of the loop's time (docs/performance.md, "Checkpoints off the main thread").
 *
 * Here a worker thread with its own connection to the file runs a PASSIVE checkpoint every
 * `checkpointIntervalMs`: it never waits for, nor blocks, the main connection's readers and writers, and
 * the fsyncs happen on that thread. The main connection keeps a distant `wal_autocheckpoint`:
 * SQLite starts the log afresh only after a checkpoint that copied all of it, which a passive one
 * seldom manages beside steady commits, so under load the commit that reaches the bound copies
 * what the worker has not yet copied. If the worker fails, SQLite's default comes back.
 */
import { Worker } from "node:worker_threads"
import { createRequire } from "node:module"
import { resolve } from "node:path"
import type Database from "better-sqlite3"

/** How often the worker checkpoints: 50 ms copied hot pages so often that the worker did more work than it saved. */
const checkpointIntervalMs = 500

/** The main connection's own bound, in pages (4 KiB): about 40 MiB of log; 2,000 and 4,000 made commits longer in all. */
const fallbackAutocheckpointPages = 10_000

/** SQLite's default, restored when the worker cannot run. */
const inlineAutocheckpointPages = 1_000

// CommonJS, run by `new Worker(…, { eval: true })`: no file of its own to find once bundled.
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads")
const Database = require(workerData.driver)
const db = new Database(workerData.filename, { fileMustExist: true })
db.pragma("synchronous = NORMAL")
const checkpoint = () => {
  // Busy while the main connection's own bound is checkpointing, say: the next round catches up.
  try { db.pragma("wal_checkpoint(PASSIVE)") } catch {}
}
const timer = setInterval(checkpoint, workerData.intervalMs)
parentPort.once("message", () => {
  clearInterval(timer)
  checkpoint()
  db.close()
  parentPort.close()
})
`

export interface Checkpointer {
  /** Stops the worker after a last checkpoint; resolves once its connection is closed. */
  readonly stop: () => Promise<void>
}

/** Whether another connection can open `database`'s file: not in memory, temporary or read-only. */
const sharesAFile = (database: Database.Database): boolean =>
  !database.memory && !database.readonly && database.name !== "" && !database.name.startsWith("file:")

/**
 * Starts checkpointing `database`'s log on a worker thread, or answers undefined (and leaves
 * SQLite's own checkpoints in place) where no other connection can share the file.
 */
export const startBackgroundCheckpoints = (database: Database.Database): Checkpointer | undefined => {
  if (!sharesAFile(database)) return undefined
  let worker: Worker
  try {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3")
    // Absolute: the worker opens the file when it starts, whatever the process's directory is by then.
    const filename = resolve(database.name)
    worker = new Worker(workerSource, { eval: true, workerData: { driver, filename, intervalMs: checkpointIntervalMs } })
  } catch {
    return undefined // no worker threads here (a bundler, a sandbox): SQLite checkpoints inline
  }
  database.pragma(`wal_autocheckpoint = ${fallbackAutocheckpointPages}`)
  worker.unref() // never what keeps the host's process alive
  const exited = new Promise<void>((done) => worker.once("exit", () => done()))
  worker.once("error", () => {
    if (database.open) database.pragma(`wal_autocheckpoint = ${inlineAutocheckpointPages}`)
  })
  return {
    stop: () => {
      worker.ref() // closing is awaited: the process must wait for the worker's last round
      worker.postMessage("stop")
      return exited
    }
  }
}
