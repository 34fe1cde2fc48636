// The deterministic simulation as a benchmark: N subscriptions through Y years on the test clock,
// invariants checked after every period, the ledger hashed at the end.
//
//   node bench/simulation/run.mjs                                   # 10,000 × 10 years on SQLite
//   node bench/simulation/run.mjs --subscriptions 500 --years 2 --backend memory
//   node bench/simulation/run.mjs --backend postgres --seed 42
//
// Writes results/latest.json (machine, load average before, command, figures); one row per
// backend, size and seed, merged with earlier rows. Exits 1 if an invariant broke.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { loadavg, tmpdir } from "node:os"
import { join } from "node:path"
import { makeMemoryStorage } from "@billkit/core"
import { machine } from "../shared/machine.mjs"
import { simulate } from "./simulate.mjs"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const subscriptions = Number(option("subscriptions", "10000"))
const years = Number(option("years", "10"))
const seed = Number(option("seed", "1"))
const backend = option("backend", "sqlite")
// `--sqlite-checkpoints inline`: SQLite's own checkpoints in the commit, not @billkit/sqlite's worker thread.
const sqliteCheckpoints = option("sqlite-checkpoints", undefined)

const open = async () => {
  if (backend === "memory") return { storage: makeMemoryStorage(), close: async () => {} }
  if (backend === "sqlite") {
    const { makeSqliteStorage } = await import("@billkit/sqlite")
    const dir = mkdtempSync(join(tmpdir(), "billkit-simulation-"))
    const sqlite = makeSqliteStorage({ filename: join(dir, "billkit.db"), checkpoints: sqliteCheckpoints })
    await sqlite.migrate()
    return { storage: sqlite.storage, close: async () => { await sqlite.close(); rmSync(dir, { recursive: true, force: true }) } }
  }
  if (backend === "postgres") {
    const { makePostgresStorage } = await import("@billkit/postgres")
    const { startPostgresServer } = await import("@billkit/testing/postgres")
    const server = process.env.BILLKIT_BENCH_DATABASE_URL === undefined ? await startPostgresServer() : undefined
    const pg = makePostgresStorage({ connectionString: process.env.BILLKIT_BENCH_DATABASE_URL ?? server.url, max: 4 })
    await pg.migrate()
    return { storage: pg.storage, close: async () => { await pg.close(); await server?.stop() } }
  }
  throw new Error(`--backend memory|sqlite|postgres, not ${backend}`)
}

const loadBefore = loadavg().map((l) => +l.toFixed(2))
const cpuBefore = process.cpuUsage()
const db = await open()
let result
try {
  let last = performance.now()
  result = await simulate({
    storage: db.storage,
    subscriptions,
    years,
    seed,
    onPeriod: ({ at, violations }) => {
      const now = performance.now()
      if (at.slice(5, 7) === "01" || subscriptions >= 1000) console.error(`${at}  ${((now - last) / 1000).toFixed(1)} s  violations ${violations}`)
      last = now
    }
  })
} finally {
  await db.close()
}
const invoices = result.counts.invoices
const row = {
  backend,
  subscriptions,
  years,
  seed,
  seconds: result.seconds,
  // On a loaded machine wall time mostly measures the wait for a core; this is what the run cost.
  cpuSeconds: +((process.cpuUsage(cpuBefore).user + process.cpuUsage(cpuBefore).system) / 1e6).toFixed(1),
  invoicesPerSecond: Math.round(invoices / result.seconds),
  timingMs: result.timing,
  sha256: result.sha256,
  counts: result.counts,
  customers: result.customers,
  violations: result.violations.length,
  firstViolations: result.violations.slice(0, 10),
  refused: result.refused,
  unanswered: result.unanswered.length,
  loadBefore,
  loadAfter: loadavg().map((l) => +l.toFixed(2)),
  peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  measuredAt: new Date().toISOString()
}
console.log(JSON.stringify(row, null, 2))
mkdirSync(new URL("./results/", import.meta.url), { recursive: true })
const file = new URL("./results/latest.json", import.meta.url)
const previous = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).results ?? [] : []
const same = (r) => r.backend === row.backend && r.subscriptions === row.subscriptions && r.years === row.years && r.seed === row.seed
writeFileSync(file, `${JSON.stringify({
  machine: machine(),
  command: "node bench/simulation/run.mjs [--subscriptions 10000] [--years 10] [--seed 1] [--backend sqlite|memory|postgres]",
  results: [...previous.filter((r) => !same(r)), row]
}, null, 2)}\n`)
process.exitCode = row.violations === 0 ? 0 : 1
