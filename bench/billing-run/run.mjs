// How long the billing loop takes to renew and invoice N monthly subscriptions, on SQLite and on
// Postgres: subscriptions per second and peak memory (RSS) during the run.
//
//   npm run bench:billing                         # 10,000 and 100,000 on both backends
//   node bench/billing-run/run.mjs --sizes 10000 --backends sqlite
//
// Seeding (seed.mjs): N customers, each on a 30-day-trial monthly plan with a card. A first loop
// run at the trial end bills every first period; the measured run is the next one, a month
// later: N renewals, each an invoice charged to the card.
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { Clock, Effect } from "effect"
import { billkit, fixedClock, makeFakePaymentProvider, makeIdGenerator } from "@billkit/core"
import { randomBytes } from "node:crypto"
import { makeSqliteStorage } from "@billkit/sqlite"
import { makePostgresStorage } from "@billkit/postgres"
import { startPostgresServer } from "@billkit/testing/postgres"
import { renewal, seed, trialEnd } from "./seed.mjs"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const sizes = option("sizes", "10000,100000").split(",").map(Number)
const backends = option("backends", "sqlite,postgres").split(",")
// `--modes setwise,rowwise`: the set-wise loop (default) and, as the baseline measured in the same
// run, the same loop reading and writing row by row (`setWise: false`), each on its own seed.
// `settle-first`: set-wise, each batch's charges settled before the next batch is billed
// (`overlapCollection: false`, the loop before the overlap).
const modes = option("modes", "setwise").split(",")
// `--provider-delay-ms 300`: the fake provider answers each charge after this long (a real
// provider's round trip), so collection's concurrency (`billing.collectConcurrency`) shows.
const providerDelayMs = Number(option("provider-delay-ms", "0"))
const batchSize = option("batch-size", undefined)
// `--collect-concurrency 1`: payment calls one at a time (the baseline for the slow provider).
const collectConcurrency = Number(option("collect-concurrency", "16"))
// `--workers 3`: that many loops at once in the process (`runBilling()` called three times; on
// Postgres each takes its own due rows, `SKIP LOCKED`), so one loop's batch is billed while
// another's charges wait on the provider. SQLite runs one transaction at a time: keep 1 there.
const workers = Number(option("workers", "1"))
// Measure the first billing pass (trial end) only, skipping the renewal a month later: on a slow
// backend it halves the run. Both passes do the same work per subscription (see the table).
const firstPassOnly = args.includes("--first-pass-only")
// `--sqlite-checkpoints inline`: SQLite's own checkpoints inside the commit that fills the log,
// instead of @billkit/sqlite's default worker thread (the baseline for "Checkpoints off the main
// thread" in docs/performance.md).
const sqliteCheckpoints = option("sqlite-checkpoints", undefined)

/** Wall time and peak RSS of one loop run at `now`. */
/** The fake provider, each charge answered after `providerDelayMs` (a timer, not a busy wait). */
const slowProvider = () => {
  const fake = makeFakePaymentProvider(makeIdGenerator((n) => new Uint8Array(randomBytes(n))))
  if (providerDelayMs === 0) return undefined
  return { ...fake, charge: (request) => Effect.zipRight(Effect.promise(() => new Promise((r) => setTimeout(r, providerDelayMs))), fake.charge(request)) }
}

const measure = async (storage, tenant, now, mode) => {
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50)
  const rssBefore = process.memoryUsage().rss
  const loadBefore = loadavg().map((l) => +l.toFixed(2))
  const cpuBefore = process.cpuUsage()
  const began = performance.now()
  // The loop as a host runs it: billkit().runBilling(), real time pinned at `now`.
  // In a function of its own, so that nothing of the app (its fake provider remembers every
  // charge's idempotency key, as Stripe does) is still reachable when the heap is read below.
  const runOnce = async () => {
    const paymentProvider = slowProvider()
    const app = billkit({ storage, clock: fixedClock(now, Clock.make()), billing: { collectConcurrency }, ...(paymentProvider === undefined ? {} : { paymentProvider }) })
    const options = { setWise: mode !== "rowwise", overlapCollection: mode !== "settle-first", ...(batchSize === undefined ? {} : { batchSize: Number(batchSize) }) }
    const reports = await Promise.all(Array.from({ length: workers }, () => app.runBilling(options)))
    await app.dispose()
    return { steps: reports.reduce((sum, r) => sum + r.steps, 0), failed: reports.flatMap((r) => r.failed), batchesRedone: reports.reduce((sum, r) => sum + r.batchesRedone, 0) }
  }
  const report = await runOnce()
  const seconds = (performance.now() - began) / 1000
  // This process's CPU (Postgres runs in its own): on a loaded machine, wall time mostly measures
  // the wait for a core; CPU per renewal is what the code costs.
  const cpu = process.cpuUsage(cpuBefore)
  clearInterval(sampler)
  peak = Math.max(peak, process.memoryUsage().rss)
  // With `node --expose-gc`: what stays on the heap once the run's garbage is collected.
  global.gc?.()
  const heapUsedAfterGcMb = global.gc === undefined ? null : Math.round(process.memoryUsage().heapUsed / 2 ** 20)
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, loadBefore, steps: report.steps, failed: report.failed.length, batchesRedone: report.batchesRedone, rssBeforeMb: rssBefore / 2 ** 20, peakRssMb: peak / 2 ** 20, heapUsedAfterGcMb }
}

const countInvoices = (storage, tenant) =>
  Effect.runPromise(storage.list({ name: "invoices", indexed: [], unique: [] }, tenant, { limit: 1, includeTotal: true })).then((r) => r.total)

const openBackend = async (backend) => {
  if (backend === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "billkit-bench-"))
    const sqlite = makeSqliteStorage({ filename: join(dir, "billkit.db"), checkpoints: sqliteCheckpoints })
    await sqlite.migrate()
    return { storage: sqlite.storage, close: async () => { await sqlite.close(); rmSync(dir, { recursive: true, force: true }) } }
  }
  const server = process.env.BILLKIT_BENCH_DATABASE_URL === undefined ? await startPostgresServer() : undefined
  const url = process.env.BILLKIT_BENCH_DATABASE_URL ?? server.url
  const pg = makePostgresStorage({ connectionString: url, max: Math.max(4, workers + 2) })
  await pg.migrate()
  return { storage: pg.storage, close: async () => { await pg.close(); await server?.stop() } }
}

const results = []
for (const backend of backends) {
  for (const n of sizes) for (const mode of modes) {
    const db = await openBackend(backend)
    try {
      const seedBegan = performance.now()
      const tenant = await seed(db.storage, n)
      const seedSeconds = (performance.now() - seedBegan) / 1000
      const first = await measure(db.storage, tenant, trialEnd, mode)
      global.gc?.()
      const run = firstPassOnly ? null : await measure(db.storage, tenant, renewal, mode)
      const invoices = await countInvoices(db.storage, tenant)
      const expected = firstPassOnly ? n : 2 * n
      if (invoices !== expected) throw new Error(`${backend} ${n}: expected ${expected} invoices, found ${invoices}`)
      const row = {
        backend,
        subscriptions: n,
        mode,
        providerDelayMs,
        collectConcurrency,
        workers,
        ...(backend === "sqlite" ? { sqliteCheckpoints: sqliteCheckpoints ?? "background" } : {}),
        seedSeconds: +seedSeconds.toFixed(1),
        trialEnd: {
          seconds: +first.seconds.toFixed(2),
          perSecond: Math.round(n / first.seconds),
          cpuSeconds: +first.cpuSeconds.toFixed(2),
          cpuMsPerRenewal: +(1000 * first.cpuSeconds / n).toFixed(3),
          loadBefore: first.loadBefore,
          // Batches that failed (a deadlock, a bad row) and were redone row by row: 0 when healthy.
          batchesRedone: first.batchesRedone,
          heapUsedAfterGcMb: first.heapUsedAfterGcMb,
          rssBeforeMb: Math.round(first.rssBeforeMb),
          peakRssMb: Math.round(first.peakRssMb)
        },
        renewal: run === null ? null : {
          seconds: +run.seconds.toFixed(2),
          perSecond: Math.round(n / run.seconds),
          cpuSeconds: +run.cpuSeconds.toFixed(2),
          cpuMsPerRenewal: +(1000 * run.cpuSeconds / n).toFixed(3),
          loadBefore: run.loadBefore,
          batchesRedone: run.batchesRedone,
          heapUsedAfterGcMb: run.heapUsedAfterGcMb,
          rssBeforeMb: Math.round(run.rssBeforeMb),
          peakRssMb: Math.round(run.peakRssMb),
          failed: run.failed
        }
      }
      results.push(row)
      console.log(JSON.stringify(row))
    } finally {
      await db.close()
    }
  }
}

const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30) }
mkdirSync(new URL("./results/", import.meta.url), { recursive: true })
// Runs of single sizes or backends merge into the file: each row keeps the date it was measured.
const file = new URL("./results/latest.json", import.meta.url)
const previous = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).results ?? [] : []
const measuredAt = new Date().toISOString()
const merged = [
  ...previous.filter((r) => !results.some((n) => n.backend === r.backend && n.subscriptions === r.subscriptions && n.mode === r.mode && n.providerDelayMs === (r.providerDelayMs ?? 0) && n.collectConcurrency === (r.collectConcurrency ?? 16) && n.workers === (r.workers ?? 1) && n.sqliteCheckpoints === (r.backend === "sqlite" ? r.sqliteCheckpoints ?? "background" : undefined))),
  ...results.map((r) => ({ ...r, measuredAt }))
].sort((a, b) => a.backend.localeCompare(b.backend) || a.subscriptions - b.subscriptions)
writeFileSync(file, `${JSON.stringify({ machine, command: "node --expose-gc bench/billing-run/run.mjs [--sizes N,…] [--backends sqlite,postgres] [--modes setwise,settle-first,rowwise] [--provider-delay-ms 300] [--collect-concurrency 16] [--workers 1] [--first-pass-only] [--sqlite-checkpoints inline]", results: merged }, null, 2)}\n`)
console.table(results.map((r) => ({
  backend: r.backend,
  subscriptions: r.subscriptions,
  mode: r.mode,
  "provider ms": r.providerDelayMs,
  workers: r.workers,
  "renewal s": r.renewal?.seconds ?? "-",
  "subs/s": r.renewal?.perSecond ?? "-",
  "CPU ms/renewal": r.renewal?.cpuMsPerRenewal ?? r.trialEnd.cpuMsPerRenewal,
  "peak RSS MB": r.renewal?.peakRssMb ?? r.trialEnd.peakRssMb,
  "first-period subs/s": r.trialEnd.perSecond
})))
