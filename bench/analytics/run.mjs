// Analytics over a large MRR ledger, and a large report run, on SQLite and on Postgres.
//
//   node --expose-gc bench/analytics/run.mjs                       # 100,000 subscriptions, 1,000,000 payments, both backends
//   node --expose-gc bench/analytics/run.mjs --subscriptions 10000 --payments 100000 --backends sqlite
//
// Seeding writes ledger entries, their daily rollups and payments (with theirs) straight through
// the storage port (insertMany, 5,000 rows a statement), as two years of history would have left
// them: each subscription (its own customer) starts on a random day of 2024–2025, a third of them
// expand or contract once, a quarter churn. Then it times each analytics endpoint through the
// REST handler (median of 5), checks the final MRR against the seeded one, and runs a report of
// every payment: the run to `succeeded`, then the CSV download read to its end, with peak RSS
// sampled during each and heapUsed after a full GC at each quarter of the rows.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
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
const MrrDays = spec("mrr_days", ["currency", "day"])
const MrrCustomers = spec("mrr_customers", ["customer"])
const RevenueDays = spec("revenue_days", ["currency", "day"])
const dayOf = (ms) => iso(Math.floor(ms / 86_400_000) * 86_400_000)
const insertAll = async (storage, tenant, collection, rows) => {
  for (let i = 0; i < rows.length; i += 5000) await Effect.runPromise(storage.insertMany(collection, tenant, rows.slice(i, i + 5000)))
}
const Payments = { name: "payments", indexed: ["customer", "invoice", "status", "pending_invoice", "created_at"], unique: ["pending_invoice"] }

// What the ledger writer keeps beside its entries: per currency and day, per customer.
const days = new Map()
const customers = new Map()
const liveArr = new Map()
let entriesSeeded = 0
const entry = (sub, customer, currency, at, type, delta, arr) => {
  // Each subscription has a customer of its own: its first entry starts the customer, a churn ends it.
  entriesSeeded++
  const move = type === "new" ? "new" : type === "churn" ? "churned" : null
  const e = {
    id: id("mrre", at), object: "mrr_entry", subscription: sub, customer, currency, at: iso(at), type,
    arr_delta: delta, arr, status: arr === 0 ? "canceled" : "active", price: "price_x", seats: 1, backfilled: false, customer_move: move
  }
  const day = dayOf(at)
  const key = `${currency}_${day.slice(0, 10)}`
  const row = days.get(key) ?? { movements: { new: { arr: 0, count: 0 }, expansion: { arr: 0, count: 0 }, contraction: { arr: 0, count: 0 }, churn: { arr: 0, count: 0 }, reactivation: { arr: 0, count: 0 } }, customers_new: 0, customers_reactivated: 0, customers_churned: 0, currency, day }
  row.movements[type].arr += delta
  row.movements[type].count += 1
  if (move === "new") row.customers_new++
  if (move === "churned") row.customers_churned++
  days.set(key, row)
  customers.set(customer, { customer, currency, arr, ever_paid: true })
  liveArr.set(currency, (liveArr.get(currency) ?? 0) + delta)
  return { id: e.id, data: e, index: { subscription: sub, customer, currency, at: e.at } }
}

const seedRollups = async (storage, tenant) => {
  const dayRows = [...days].map(([key, d]) => {
    const data = { id: `md_${tenant.projectId}_${tenant.mode}_${key}`, object: "mrr_day", ...d }
    return { id: data.id, data, index: { currency: d.currency, day: d.day } }
  })
  await insertAll(storage, tenant, MrrDays, dayRows)
  const customerRows = [...customers.values()].map((c) => {
    const data = { id: `mc_${c.customer}_${c.currency}`, object: "mrr_customer", ...c }
    return { id: data.id, data, index: { customer: c.customer } }
  })
  await insertAll(storage, tenant, MrrCustomers, customerRows)
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
  await seedRollups(storage, tenant)
}

const seedPayments = async (storage, tenant) => {
  let batch = []
  const revenue = new Map()
  for (let i = 0; i < paymentCount; i++) {
    const at = start + Math.floor((i / paymentCount) * (now - start))
    revenue.set(dayOf(at), (revenue.get(dayOf(at)) ?? 0) + 2900 + (i % 100))
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
  await insertAll(storage, tenant, RevenueDays, [...revenue].map(([day, payments]) => {
    const data = { id: `rd_${tenant.projectId}_${tenant.mode}_EUR_${day.slice(0, 10)}`, object: "revenue_day", currency: "EUR", day, payments, refunds: 0 }
    return { id: data.id, data, index: { currency: "EUR", day } }
  }))
}

const mb = (bytes) => Math.round(bytes / 2 ** 20)
/** heapUsed (MB) after a full collection: what is still held, not garbage waiting (needs --expose-gc). */
const heapAfterGc = () => {
  globalThis.gc?.()
  return mb(process.memoryUsage().heapUsed)
}

/** Peak RSS (MB) while `work` runs; `work` gets a `quarter()` to call at each quarter of its rows. */
const withPeakRss = async (work) => {
  let peak = process.memoryUsage().rss
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
  const heapBeforeMb = heapAfterGc()
  const before = process.memoryUsage().rss
  const heapAtQuartersMb = []
  const began = performance.now()
  const result = await work(() => heapAtQuartersMb.push(heapAfterGc()))
  const ms = performance.now() - began
  clearInterval(sampler)
  return { result, ms, rssBeforeMb: mb(before), peakRssMb: mb(Math.max(peak, process.memoryUsage().rss)), heapBeforeMb, heapAtQuartersMb }
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
  // What autovacuum would do after a bulk load: statistics, so the planner uses the indexes.
  const analyze = () => pg.db.executeQuery({ sql: "analyze", parameters: [], query: { kind: "RawNode", sqlFragments: ["analyze"], parameters: [] } })
  return { storage: pg.storage, analyze, close: async () => { await pg.close(); await server?.stop() } }
}

const results = []
const machine = { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version }
const command = `node ${process.execArgv.join(" ")} bench/analytics/run.mjs ${args.join(" ")}`.replace(/ +/g, " ").trim()
// Written after each backend, so a run cut short keeps what it measured.
const write = () =>
  writeFileSync(new URL("./results/latest.json", import.meta.url), JSON.stringify({ date: new Date().toISOString(), machine, command, results }, null, 2) + "\n")
for (const backend of backends) {
  const loadAverageBefore = loadavg().map((l) => Math.round(l * 100) / 100)
  const { storage, close, analyze } = await openBackend(backend)
  try {
    // No rate limit: the bench polls and repeats queries far faster than a client would.
    const app = billkit({ storage, clock: fixedClock(now, Clock.make()), defaultRateLimits: [{ window: "second", max: 1_000_000 }] })
    const { apiKey, projectId } = await app.bootstrap()
    const tenant = { projectId, mode: "test" }
    const call = async (method, path, body) => {
      const response = await app.handler(new Request(`http://bench${path}`, {
        method, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }))
      return response
    }
    days.clear()
    customers.clear()
    liveArr.clear()
    entriesSeeded = 0
    counter = 0
    seedState = 42
    let began = performance.now()
    await seedLedger(storage, tenant)
    const seedLedgerSeconds = (performance.now() - began) / 1000
    began = performance.now()
    await seedPayments(storage, tenant)
    const seedPaymentsSeconds = (performance.now() - began) / 1000
    await analyze?.()
    const queries = {}
    const queriesCpu = {}
    const answers = {}
    for (const path of [
      "/v1/analytics/mrr?interval=month", "/v1/analytics/arr?interval=month", "/v1/analytics/mrr/movements?interval=month",
      "/v1/analytics/churn?interval=month", "/v1/analytics/customers?interval=month", "/v1/analytics/revenue?interval=month",
      "/v1/analytics/mrr?interval=day&from=2025-10-01T00:00:00Z", "/v1/analytics/revenue?interval=day&from=2025-10-01T00:00:00Z"
    ]) {
      const full = path.includes("from=") ? `${path}&to=2025-12-31T23:59:59Z` : `${path}&from=2024-01-01T00:00:00Z&to=2025-12-31T23:59:59Z`
      const times = []
      const cpu = []
      for (let i = 0; i < 5; i++) {
        const t = performance.now()
        const c = process.cpuUsage()
        const response = await call("GET", full)
        if (response.status !== 200) throw new Error(`${full}: ${response.status} ${await response.text()}`)
        answers[path] = await response.json()
        times.push(performance.now() - t)
        const used = process.cpuUsage(c)
        cpu.push((used.user + used.system) / 1000)
      }
      queries[path] = Math.round(times.sort((a, b) => a - b)[2])
      // CPU of this process (handler, storage driver, SQLite itself; not the Postgres server's):
      // what the query costs, whatever else the machine is doing.
      queriesCpu[path] = Math.round(cpu.sort((a, b) => a - b)[2])
      console.log(backend, path, queries[path], "ms,", queriesCpu[path], "ms CPU")
    }
    // The answers must be the seeded history, or the timings mean nothing.
    for (const { currency, points } of answers["/v1/analytics/arr?interval=month"].data) {
      if (points[points.length - 1].arr !== liveArr.get(currency)) throw new Error(`ARR ${currency}: ${points[points.length - 1].arr} ≠ seeded ${liveArr.get(currency)}`)
    }
    const paid = answers["/v1/analytics/revenue?interval=month"].data[0]?.points.reduce((s, p) => s + p.payments, 0) ?? 0
    const seededPaid = Array.from({ length: paymentCount }, (_, i) => 2900 + (i % 100)).reduce((s, a) => s + a, 0)
    if (paid !== seededPaid) throw new Error(`revenue ${paid} ≠ seeded ${seededPaid}`)
    const quarters = [1, 2, 3, 4].map((q) => Math.ceil((paymentCount * q) / 4))
    const run = await withPeakRss(async (quarter) => {
      const report = await (await call("POST", "/v1/reports", { type: "payments" })).json()
      let next = 0
      for (;;) {
        const polled = await call("GET", `/v1/reports/${report.id}`)
        if (polled.status !== 200) throw new Error(`GET /v1/reports/${report.id}: ${polled.status} ${await polled.text()}`)
        const r = await polled.json()
        while (next < 4 && (r.rows >= quarters[next] || r.status !== "running")) next++, quarter()
        if (r.status !== "running") return r
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
    })
    const download = await withPeakRss(async (quarter) => {
      const response = await call("GET", `/v1/reports/${run.result.id}/file`)
      let bytes = 0
      let lines = 0
      let next = 0
      for await (const chunk of response.body) {
        bytes += chunk.length
        for (const b of chunk) if (b === 10) lines++
        while (next < 4 && lines - 1 >= quarters[next]) next++, quarter()
      }
      while (next < 4) next++, quarter()
      return { bytes, lines }
    })
    const result = {
      backend, subscriptions, payments: paymentCount, ledgerEntries: entriesSeeded, loadAverageBefore,
      seedLedgerSeconds: Math.round(seedLedgerSeconds), seedPaymentsSeconds: Math.round(seedPaymentsSeconds), queriesMedianMs: queries, queriesMedianCpuMs: queriesCpu,
      reportRun: { status: run.result.status, rows: run.result.rows, seconds: Math.round(run.ms / 100) / 10, rssBeforeMb: run.rssBeforeMb, peakRssMb: run.peakRssMb, heapBeforeMb: run.heapBeforeMb, heapAfterGcAtQuartersMb: run.heapAtQuartersMb },
      reportDownload: { megabytes: mb(download.result.bytes), lines: download.result.lines, seconds: Math.round(download.ms / 100) / 10, rssBeforeMb: download.rssBeforeMb, peakRssMb: download.peakRssMb, heapBeforeMb: download.heapBeforeMb, heapAfterGcAtQuartersMb: download.heapAtQuartersMb }
    }
    console.log(JSON.stringify(result))
    results.push(result)
    write()
    await app.dispose()
  } finally {
    await close()
  }
}

