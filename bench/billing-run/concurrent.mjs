// Does the billing loop starve other requests? While the loop bills N subscriptions on SQLite,
// another project reads and writes through the REST handler, and a timer stands in for
// `/healthz` (no storage: it only needs the event loop). Each probe records how long it waited.
//
//   node bench/billing-run/concurrent.mjs                        # 10,000 subscriptions
//   node bench/billing-run/concurrent.mjs --subscriptions 2000
//
// One run measures both loops side by side, on two copies of one seeded database:
//   before: 100 rows per transaction and no yield between batches (what the loop did until the
//           fix, reproduced with `runBilling({ batchSize: 100, yieldBetweenBatches: false })`);
//   after:  the defaults (`sqliteBatchSize` rows per transaction, the event loop's turn between
//           batches, each batch's money settled before the next batch on SQLite);
//   overlapped: the next batch billed while the last one's money is out (`overlapCollection:
//           true`, Postgres's default), to show why it is not SQLite's.
//   after, inline checkpoints: the defaults, with SQLite checkpointing the log inside the commit
//           that fills it (`checkpoints: "inline"`), as before @billkit/sqlite's checkpoint worker.
// The measured pass is the first one (trial end: every subscription's first invoice, charged).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Clock, Effect } from "effect"
import { billkit, fixedClock, sqliteBatchSize } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { machine } from "../shared/machine.mjs"
import { seed, trialEnd } from "./seed.mjs"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const n = Number(option("subscriptions", "10000"))

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

const summary = (waits) => {
  const sorted = [...waits].sort((a, b) => a - b)
  const at = (q) => sorted.length === 0 ? null : +sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)].toFixed(1)
  return { count: sorted.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: sorted.length === 0 ? null : +sorted.at(-1).toFixed(1) }
}

/** Calls `probe` again and again, `gapMs` apart, until `done()`; returns each call's duration in ms. */
const repeatedly = async (done, gapMs, probe) => {
  const waits = []
  while (!done()) {
    const began = performance.now()
    await probe()
    waits.push(performance.now() - began)
    await sleep(gapMs)
  }
  return waits
}

const runCase = async (name, file, loopOptions, storageOptions = {}) => {
  const sqlite = makeSqliteStorage({ filename: file, ...storageOptions })
  await sqlite.migrate()
  // The loop's host stands at the trial end; the other tenant's requests run on real time (their
  // rate limits count per real second), through a second instance over the same storage.
  const app = billkit({ storage: sqlite.storage, clock: fixedClock(trialEnd, Clock.make()) })
  const web = billkit({ storage: sqlite.storage })
  try {
    // Another tenant: its test key reads, its live key writes (each well under the default rate limit).
    const other = await web.createProject("Other tenant")
    const call = async (key, method, path, body) => {
      const response = await web.handler(new Request(`http://bench.local${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }))
      await response.arrayBuffer()
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status}`)
    }
    await call(other.testKey, "GET", "/v1/customers?limit=10")
    let written = 0

    let finished = false
    const done = () => finished
    const began = performance.now()
    const loop = app.runBilling(loopOptions).finally(() => (finished = true))
    const [report, timer, reads, writes] = await Promise.all([
      loop,
      // `/healthz` needs only the event loop: how late does a 5 ms timer fire?
      repeatedly(done, 0, () => new Promise((resolve) => setTimeout(resolve, 5))).then((w) => w.map((ms) => Math.max(0, ms - 5))),
      repeatedly(done, 20, () => call(other.testKey, "GET", "/v1/customers?limit=10")),
      repeatedly(done, 50, () => call(other.liveKey, "POST", "/v1/customers", { email: `w${written++}@example.com` }))
    ])
    const seconds = (performance.now() - began) / 1000
    const row = {
      case: name,
      loopOptions,
      subscriptions: n,
      loopSeconds: +seconds.toFixed(2),
      steps: report.steps,
      failed: report.failed.length,
      healthzTimerLag: summary(timer),
      otherTenantRead: summary(reads),
      otherTenantWrite: summary(writes)
    }
    console.log(JSON.stringify(row))
    return row
  } finally {
    await app.dispose()
    await web.dispose()
    await sqlite.close()
  }
}

const dir = mkdtempSync(join(tmpdir(), "billkit-bench-concurrent-"))
try {
  const seeded = join(dir, "seeded.db")
  const sqlite = makeSqliteStorage({ filename: seeded })
  await sqlite.migrate()
  const seedBegan = performance.now()
  await seed(sqlite.storage, n)
  console.log(`seeded ${n} subscriptions in ${((performance.now() - seedBegan) / 1000).toFixed(1)} s`)
  await sqlite.close() // checkpoints the WAL into the file, so a plain copy is complete
  copyFileSync(seeded, join(dir, "before.db"))
  copyFileSync(seeded, join(dir, "after.db"))
  copyFileSync(seeded, join(dir, "overlapped.db"))
  copyFileSync(seeded, join(dir, "inline-checkpoints.db"))

  const results = [
    await runCase("before", join(dir, "before.db"), { batchSize: 100, yieldBetweenBatches: false }),
    await runCase("after", join(dir, "after.db"), {}),
    await runCase("overlapped", join(dir, "overlapped.db"), { overlapCollection: true }),
    // "after" with SQLite's own checkpoints inside the commit, as before the checkpoint worker.
    await runCase("after, inline checkpoints", join(dir, "inline-checkpoints.db"), {}, { checkpoints: "inline" })
  ]
  const command = "node bench/billing-run/concurrent.mjs [--subscriptions N]"
  mkdirSync(new URL("./results/", import.meta.url), { recursive: true })
  writeFileSync(
    new URL("./results/concurrent.json", import.meta.url),
    `${JSON.stringify({ machine: machine(), command, sqliteBatchSize, measuredAt: new Date().toISOString(), results }, null, 2)}\n`
  )
  console.table(results.map((r) => ({
    case: r.case,
    "loop s": r.loopSeconds,
    "read p50 ms": r.otherTenantRead.p50Ms,
    "read p99 ms": r.otherTenantRead.p99Ms,
    "read max ms": r.otherTenantRead.maxMs,
    "write p99 ms": r.otherTenantWrite.p99Ms,
    "write max ms": r.otherTenantWrite.maxMs,
    "timer lag p99 ms": r.healthzTimerLag.p99Ms,
    "timer lag max ms": r.healthzTimerLag.maxMs
  })))
} finally {
  rmSync(dir, { recursive: true, force: true })
}
