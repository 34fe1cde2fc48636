// In-process entitlement checks: the cost of one check answered from the process's cache (warm),
// as `checkSync` (plain synchronous lookups) and as the façade's `await check()` (a promise that
// resolves at once on a hit), and the cost of a miss (a check that reads storage: `recompute`),
// on memory, SQLite and Postgres.
//
//   npm run bench:entitlements                                  # 1,000 customers, 2,000,000 warm checks
//   node bench/entitlements/run.mjs --customers 200 --checks 200000 --backends memory
//
// Seeding, through the façade: one plan granting a boolean feature, a numeric limit and a metered
// limit (a metric with the feature's code and some usage); `customers` customers, each trialing
// the plan (no charge). Checks cycle through every (customer, feature) pair.
import { writeFileSync, mkdirSync } from "node:fs"
import { cpus, loadavg, totalmem } from "node:os"
import { join } from "node:path"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { makePostgresStorage } from "@billkit/postgres"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const customerCount = Number(option("customers", "1000"))
const checks = Number(option("checks", "2000000"))
const misses = Number(option("misses", "500"))
const backends = option("backends", "memory,sqlite,postgres").split(",")
const features = ["api_access", "projects", "calls"]

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const summary = (samplesNs) => {
  const sorted = Float64Array.from(samplesNs).sort()
  const us = (ns) => Math.round(ns / 10) / 100
  return { p50_us: us(percentile(sorted, 50)), p99_us: us(percentile(sorted, 99)), max_us: us(sorted[sorted.length - 1]) }
}

const seed = async (billing) => {
  const product = await billing.products.create({ name: "Pro" })
  const price = await billing.prices.create(product.id, { amount: 2900, currency: "EUR", schedule: "month" })
  const feats = []
  for (const code of features) feats.push(await billing.features.create({ code, name: code }))
  const plan = await billing.plans.create({
    name: "Pro", codeName: "pro", product: product.id, prices: [price.id], features: [feats[0].id],
    limits: [{ feature: feats[1].id, limit: 10 }, { feature: feats[2].id, limit: 1000 }], trialLengthDays: 30
  })
  const ids = []
  for (let i = 0; i < customerCount; i++) {
    const c = await billing.customers.create({ email: `c${i}@example.com` })
    await billing.subscriptions.create(c.id, { plan: plan.id })
    ids.push(c.id)
  }
  return ids
}

const openStorage = async (backend) => {
  if (backend === "memory") return { storage: makeMemoryStorage(), close: async () => {} }
  if (backend === "sqlite") {
    const s = makeSqliteStorage({ filename: ":memory:" })
    await s.migrate()
    return { storage: s.storage, close: s.close }
  }
  const { startPostgresServer } = await import("@billkit/testing/postgres")
  const server = await startPostgresServer()
  const s = makePostgresStorage({ connectionString: server.url })
  await s.migrate()
  return { storage: s.storage, close: async () => { await s.close(); await server.stop() } }
}

/** Counts the storage port's reads and writes (one SQL statement each on SQLite and Postgres). */
const counting = (storage) => {
  const counts = { calls: 0 }
  const wrapped = { ...storage }
  for (const k of ["get", "findOne", "findGlobal", "list", "findMany", "due", "insert", "update", "insertMany", "updateMany"]) {
    wrapped[k] = (...a) => {
      counts.calls++
      return storage[k](...a)
    }
  }
  return { wrapped, counts }
}

const runBackend = async (backend) => {
  const opened = await openStorage(backend)
  const { close } = opened
  const { wrapped: storage, counts } = counting(opened.storage)
  const app = billkit({ storage })
  try {
    const { apiKey, projectId } = await app.bootstrap()
    // The metric (metered feature) through REST: the façade has no metrics namespace.
    await app.handler(new Request("http://billkit.test/v1/metrics", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ code: "calls", name: "Calls", aggregation_method: "count" })
    }))
    const billing = app.project(projectId)
    const seedStart = performance.now()
    const ids = await seed(billing)
    await billing.usage.ingest(ids.slice(0, 100).map((customer, i) => ({ eventId: `e${i}`, customer, code: "calls" })))
    const seedSeconds = (performance.now() - seedStart) / 1000
    const pairs = ids.flatMap((id) => features.map((f) => [id, f]))

    // Misses: the same computation a cache miss does, read from storage each time.
    const missNs = []
    const callsBefore = counts.calls
    for (let i = 0; i < misses; i++) {
      const [c, f] = pairs[(i * 7919) % pairs.length]
      const t = process.hrtime.bigint()
      await billing.entitlements.recompute(c, f)
      missNs.push(Number(process.hrtime.bigint() - t))
    }
    const callsPerMiss = (counts.calls - callsBefore) / misses
    // Fill the cache (one miss per pair, through check).
    const fillStart = performance.now()
    for (const [c, f] of pairs) await billing.entitlements.check(c, f)
    const fillSeconds = (performance.now() - fillStart) / 1000

    const result = { backend, seed_seconds: Math.round(seedSeconds * 10) / 10, pairs: pairs.length }
    result.miss = { samples: misses, ...summary(missNs), fill_per_pair_us: Math.round((fillSeconds * 1e6) / pairs.length), storage_calls_per_miss: callsPerMiss }
    if (backend !== "memory") return result

    // Warm checkSync: throughput without timers, then latency per call with one timer each.
    let allowed = 0
    const n = pairs.length
    for (let i = 0; i < 100_000; i++) if (billing.entitlements.checkSync(pairs[i % n][0], pairs[i % n][1]).allowed) allowed++
    let began = process.hrtime.bigint()
    for (let i = 0; i < checks; i++) if (billing.entitlements.checkSync(pairs[i % n][0], pairs[i % n][1]).allowed) allowed++
    const syncSeconds = Number(process.hrtime.bigint() - began) / 1e9
    const syncNs = new Float64Array(Math.min(checks, 1_000_000))
    for (let i = 0; i < syncNs.length; i++) {
      const t = process.hrtime.bigint()
      billing.entitlements.checkSync(pairs[i % n][0], pairs[i % n][1])
      syncNs[i] = Number(process.hrtime.bigint() - t)
    }
    // Warm `await check()`.
    const asyncChecks = Math.min(checks, 1_000_000)
    began = process.hrtime.bigint()
    for (let i = 0; i < asyncChecks; i++) if ((await billing.entitlements.check(pairs[i % n][0], pairs[i % n][1])).allowed) allowed++
    const asyncSeconds = Number(process.hrtime.bigint() - began) / 1e9
    const asyncNs = new Float64Array(Math.min(asyncChecks, 200_000))
    for (let i = 0; i < asyncNs.length; i++) {
      const t = process.hrtime.bigint()
      await billing.entitlements.check(pairs[i % n][0], pairs[i % n][1])
      asyncNs[i] = Number(process.hrtime.bigint() - t)
    }
    result.warm = {
      check_sync: { checks, per_second: Math.round(checks / syncSeconds), ...summary(syncNs) },
      check_await: { checks: asyncChecks, per_second: Math.round(asyncChecks / asyncSeconds), ...summary(asyncNs) },
      allowed
    }
    return result
  } finally {
    await app.dispose()
    await close()
  }
}

const loadBefore = loadavg().map((l) => Math.round(l * 100) / 100)
const results = []
for (const backend of backends) {
  const r = await runBackend(backend)
  console.log(JSON.stringify(r))
  results.push(r)
}
const out = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, model: cpus()[0]?.model, memory_gb: Math.round(totalmem() / 2 ** 30), node: process.version },
  load_average_before: loadBefore,
  command: `node bench/entitlements/run.mjs ${args.join(" ")}`.trim(),
  customers: customerCount,
  results
}
const dir = join(import.meta.dirname, "results")
mkdirSync(dir, { recursive: true })
writeFileSync(join(dir, "latest.json"), `${JSON.stringify(out, null, 2)}\n`)
console.log(`written ${join(dir, "latest.json")}`)
