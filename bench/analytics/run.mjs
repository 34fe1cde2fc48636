// Analytics over a large MRR ledger, and a large report run, on SQLite and on Postgres.
//
//   node bench/analytics/run.mjs                                   # 100,000 subscriptions, 1,000,000 payments, both backends
//   node bench/analytics/run.mjs --subscriptions 10000 --payments 100000 --backends sqlite
//
// Seeding writes ledger entries and payments straight through the storage port (insertMany), as
// two years of history would have left them: each subscription starts on a random day of
// 2024–2025, a third of them expand or contract once, a quarter churn. Then it times each
// analytics endpoint through the REST handler (median of 3), and a report of every payment: the
// run to `succeeded`, then the CSV download read to its end, with peak RSS sampled during each.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { Clock, Effect } from "effect"
import { billkit, fixedClock } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { makePostgresStorage } from "@billkit/postgres"
import { startPostgresServer } from "@billkit/testing/postgres"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const subscriptions = Number(option("subscriptions", "100000"))
const paymentCount = Number(option("payments", "1000000"))
const backends = option("backends", "sqlite,postgres").split(",")

const now = Date.parse("2026-01-01T00:00:00Z")
const start = Date.parse("2024-01-01T00:00:00Z")
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const time10 = (ms) => {
  let out = ""
  for (let i = 0, rest = ms; i < 10; i++, rest = Math.floor(rest / 32)) out = alphabet[rest % 32] + out
  return out
}
let counter = 0
const id = (prefix, ms) => `${prefix}_${time10(ms)}${(counter++).toString(32).toUpperCase().replace(/[ILOU]/g, "0").padStart(16, "0")}`
const iso = (ms) => new Date(ms).toISOString()
// A fixed pseudo-random sequence, so every run seeds the same history.
let seedState = 42
const random = () => ((seedState = (seedState * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)

const spec = (name, indexed) => ({ name, indexed, unique: [] })
const MrrEntries = spec("mrr_entries", ["subscription", "customer", "currency", "at"])
const Payments = { name: "payments", indexed: ["customer", "invoice", "status", "pending_invoice", "created_at"], unique: ["pending_invoice"] }

const entry = (sub, customer, currency, at, type, delta, arr) => {
  const e = {
    id: id("mrre", at), object: "mrr_entry", subscription: sub, customer, currency, at: iso(at), type,
    arr_delta: delta, arr, status: arr === 0 ? "canceled" : "active", price: "price_x", seats: 1, backfilled: false
  }
  return { id: e.id, data: e, index: { subscription: sub, customer, currency, at: e.at } }
}

const seedLedger = async (storage, tenant) => {
  let batch = []
  const flush = async () => {
    await Effect.runPromise(storage.insertMany(MrrEntries, tenant, batch))
    batch = []
  }
  for (let i = 0; i < subscriptions; i++) {
    const sub = id("sub", start)
    const customer = id("cus", start)
    const currency = i % 10 === 0 ? "USD" : "EUR"
    const t0 = start + Math.floor(random() * (now - start - 86_400_000))
    let arr = (1 + Math.floor(random() * 20)) * 12_000
    batch.push(entry(sub, customer, currency, t0, "new", arr, arr))
    let t = t0
    if (random() < 1 / 3) {
      t += Math.floor(random() * (now - t))
      const next = (1 + Math.floor(random() * 20)) * 12_000
      if (next !== arr) batch.push(entry(sub, customer, currency, t, next > arr ? "expansion" : "contraction", next - arr, next))
      arr = next
    }
    if (random() < 1 / 4) {
      t += Math.floor(random() * (now - t))
      batch.push(entry(sub, customer, currency, t, "churn", -arr, 0))
    }
    if (batch.length >= 5000) await flush()
  }
  if (batch.length > 0) await flush()
}

const seedPayments = async (storage, tenant) => {
  let batch = []
  for (let i = 0; i < paymentCount; i++) {
    const at = start + Math.floor((i / paymentCount) * (now - start))
    const p = {
      id: id("pay", at), object: "payment", customer: "cus_bench", invoice: null, amount: 2900 + (i % 100), currency: "EUR",
      status: "succeeded", payment_method: null, failure_code: null, failure_message: null, amount_refunded: 0, provider_ref: null,
      attempt: null, idempotency_key: null, automatic: false, created_at: iso(at)
    }
    batch.push({ id: p.id, data: p, index: { customer: p.customer, invoice: null, status: p.status, pending_invoice: null, created_at: p.created_at } })
    if (batch.length >= 5000) {
      await Effect.runPromise(storage.insertMany(Payments, tenant, batch))
      batch = []
    }
  }
  if (batch.length > 0) await Effect.runPromise(storage.insertMany(Payments, tenant, batch))
}

/** Peak RSS (MB) while `work` runs. */
const withPeakRss = async (work) => {
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  const before = process.memoryUsage().rss
  const began = performance.now()
  const result = await work()
  clearInterval(sampler)
  return { result, ms: performance.now() - began, rssBeforeMb: Math.round(before / 2 ** 20), peakRssMb: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20) }
}

const openBackend = async (backend) => {
  if (backend === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "billkit-bench-analytics-"))
    const sqlite = makeSqliteStorage({ filename: join(dir, "billkit.db") })
    await sqlite.migrate()
    return { storage: sqlite.storage, close: async () => { await sqlite.close(); rmSync(dir, { recursive: true, force: true }) } }
  }
  const server = process.env.BILLKIT_BENCH_DATABASE_URL === undefined ? await startPostgresServer() : undefined
  const pg = makePostgresStorage({ connectionString: process.env.BILLKIT_BENCH_DATABASE_URL ?? server.url, max: 4 })
  await pg.migrate()
  return { storage: pg.storage, close: async () => { await pg.close(); await server?.stop() } }
}

const results = []
for (const backend of backends) {
  const { storage, close } = await openBackend(backend)
  try {
    const app = billkit({ storage, clock: fixedClock(now, Clock.make()) })
    const { apiKey, projectId } = await app.bootstrap()
    const tenant = { projectId, mode: "test" }
    const call = async (method, path, body) => {
      const response = await app.handler(new Request(`http://bench${path}`, {
        method, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }))
      return response
    }
    let began = performance.now()
    await seedLedger(storage, tenant)
    const seedLedgerSeconds = (performance.now() - began) / 1000
    const queries = {}
    for (const path of ["/v1/analytics/mrr?interval=month", "/v1/analytics/mrr/movements?interval=month", "/v1/analytics/churn?interval=month", "/v1/analytics/customers?interval=month", "/v1/analytics/mrr?interval=day&from=2025-10-01T00:00:00Z"]) {
      const full = path.includes("from=") ? `${path}&to=2025-12-31T23:59:59Z` : `${path}&from=2024-01-01T00:00:00Z&to=2025-12-31T23:59:59Z`
      const times = []
      for (let i = 0; i < 3; i++) {
        const t = performance.now()
        const response = await call("GET", full)
        if (response.status !== 200) throw new Error(`${full}: ${response.status} ${await response.text()}`)
        await response.text()
        times.push(performance.now() - t)
      }
      queries[path] = Math.round(times.sort((a, b) => a - b)[1])
      console.log(backend, path, queries[path], "ms")
    }
    began = performance.now()
    await seedPayments(storage, tenant)
    const seedPaymentsSeconds = (performance.now() - began) / 1000
    const run = await withPeakRss(async () => {
      const report = await (await call("POST", "/v1/reports", { type: "payments" })).json()
      for (;;) {
        const r = await (await call("GET", `/v1/reports/${report.id}`)).json()
        if (r.status !== "running") return r
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })
    const download = await withPeakRss(async () => {
      const response = await call("GET", `/v1/reports/${run.result.id}/file`)
      let bytes = 0
      for await (const chunk of response.body) bytes += chunk.length
      return bytes
    })
    const result = {
      backend, subscriptions, payments: paymentCount, seedLedgerSeconds: Math.round(seedLedgerSeconds), queriesMedianMs: queries,
      reportRun: { status: run.result.status, rows: run.result.rows, seconds: Math.round(run.ms / 100) / 10, rssBeforeMb: run.rssBeforeMb, peakRssMb: run.peakRssMb },
      reportDownload: { megabytes: Math.round(download.result / 2 ** 20), seconds: Math.round(download.ms / 100) / 10, rssBeforeMb: download.rssBeforeMb, peakRssMb: download.peakRssMb },
      seedPaymentsSeconds: Math.round(seedPaymentsSeconds)
    }
    console.log(JSON.stringify(result))
    results.push(result)
    await app.dispose()
  } finally {
    await close()
  }
}
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }
writeFileSync(new URL("./results/latest.json", import.meta.url), JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2) + "\n")
