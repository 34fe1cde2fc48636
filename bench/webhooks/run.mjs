// Webhook deliveries per second from one worker (`billkit().runDeliveries()`) to a local receiver
// that answers 200 at once, with N deliveries pending, on SQLite and on Postgres; peak memory
// (RSS) during the run.
//
//   node bench/webhooks/run.mjs                                   # 100,000 pending on both backends
//   node bench/webhooks/run.mjs --pending 10000 --backends sqlite
//
// Seeding: one endpoint and one event through the REST handler, then N pending deliveries of
// that event written straight through the storage port (as the dispatcher would, in bulk).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:http"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { Collections, Ids, billkit } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { makePostgresStorage } from "@billkit/postgres"
import { startPostgresServer } from "@billkit/testing/postgres"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const pending = Number(option("pending", "100000"))
const backends = option("backends", "sqlite,postgres").split(",")
const batchSize = Number(option("batch", "100"))
const concurrency = Number(option("concurrency", "32"))

const startReceiver = async () => {
  let received = 0
  const server = createServer((req, res) => {
    req.resume().on("end", () => {
      received++
      res.writeHead(200, { "content-type": "text/plain" }).end("ok")
    })
  })
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve))
  return { url: `http://127.0.0.1:${server.address().port}/hooks`, received: () => received, close: () => new Promise((r) => server.close(r)) }
}

const openBackend = async (backend) => {
  if (backend === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "billkit-bench-webhooks-"))
    const sqlite = makeSqliteStorage({ filename: join(dir, "billkit.db") })
    await sqlite.migrate()
    return { storage: sqlite.storage, close: async () => { await sqlite.close(); rmSync(dir, { recursive: true, force: true }) } }
  }
  const server = process.env.BILLKIT_BENCH_DATABASE_URL === undefined ? await startPostgresServer() : undefined
  const url = process.env.BILLKIT_BENCH_DATABASE_URL ?? server.url
  const pg = makePostgresStorage({ connectionString: url, max: 4 })
  await pg.migrate()
  return { storage: pg.storage, close: async () => { await pg.close(); await server?.stop() } }
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const random16 = (i) => [...i.toString(32).padStart(16, "0")].map((d) => crockford[parseInt(d, 32)]).join("")

const seed = async (storage, receiverUrl) => {
  const app = billkit({ storage, webhooks: { allowPrivateNetworks: true } })
  const { apiKey, projectId } = await app.bootstrap()
  const call = async (method, path, body) =>
    (await app.handler(new Request(`http://bench${path}`, {
      method, headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body)
    }))).json()
  const endpoint = await call("POST", "/v1/webhook-endpoints", { url: receiverUrl, events: ["customer.created"] })
  await call("POST", "/v1/customers", { email: "bench@example.com" })
  await app.runDeliveries() // dispatches (and sends) the one real event
  const event = (await call("GET", "/v1/events?type=customer.created")).data[0]
  await app.dispose()
  const tenant = { projectId, mode: "test" }
  const now = new Date().toISOString()
  const base = Date.now() - 1000
  const chunk = 5000
  for (let start = 0; start < pending; start += chunk) {
    const rows = []
    for (let i = start; i < Math.min(pending, start + chunk); i++) {
      const id = Ids.makeId("webhookDelivery", base, random16(i))
      rows.push({
        id,
        data: {
          id, object: "webhook_delivery", endpoint: endpoint.id, subscriber: null, event: event.id, event_type: event.type,
          status: "pending", attempts: 0, next_attempt_at: now, response_status: null, response_body: null, error: null,
          duration_ms: null, delivered_at: null, created_at: now, updated_at: now, lease_token: null, leased_until: null
        },
        index: { endpoint: endpoint.id, subscriber: null, event: event.id, status: "pending", due_at: now, created_at: now }
      })
    }
    await Effect.runPromise(storage.insertMany(Collections.WebhookDeliveries, tenant, rows))
  }
  return tenant
}

const results = []
for (const backend of backends) {
  const receiver = await startReceiver()
  const db = await openBackend(backend)
  try {
    const seedBegan = performance.now()
    await seed(db.storage, receiver.url)
    const seedSeconds = (performance.now() - seedBegan) / 1000
    global.gc?.()
    const before = receiver.received()
    let peak = process.memoryUsage().rss
    const samples = []
    const sampler = setInterval(() => {
      const rss = process.memoryUsage().rss
      peak = Math.max(peak, rss)
      samples.push(rss)
    }, 100)
    const rssBefore = process.memoryUsage().rss
    const app = billkit({ storage: db.storage, webhooks: { allowPrivateNetworks: true, batchSize, concurrency } })
    const began = performance.now()
    const cpuBefore = process.cpuUsage()
    const report = await app.runDeliveries()
    const seconds = (performance.now() - began) / 1000
    const cpu = process.cpuUsage(cpuBefore)
    const cpuSeconds = (cpu.user + cpu.system) / 1e6
    clearInterval(sampler)
    await app.dispose()
    const delivered = receiver.received() - before
    if (report.succeeded !== pending || delivered !== pending) throw new Error(`${backend}: expected ${pending} deliveries, report ${JSON.stringify(report)}, receiver ${delivered}`)
    const quarter = Math.max(1, Math.floor(samples.length / 4))
    const avg = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length) / 2 ** 20
    const row = {
      backend,
      pending,
      batchSize,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      deliveriesPerSecond: Math.round(pending / seconds),
      // CPU time of this process (worker and receiver both): what the rate would be with a core to itself.
      cpuSeconds: Number(cpuSeconds.toFixed(2)),
      deliveriesPerCpuSecond: Math.round(pending / cpuSeconds),
      loadAverage: Number(loadavg()[0].toFixed(1)),
      seedSeconds: Number(seedSeconds.toFixed(1)),
      rssBeforeMb: Math.round(rssBefore / 2 ** 20),
      peakRssMb: Math.round(peak / 2 ** 20),
      // Flat memory: the RSS of the run's first and last quarters.
      rssFirstQuarterMb: Math.round(avg(samples.slice(0, quarter))),
      rssLastQuarterMb: Math.round(avg(samples.slice(-quarter)))
    }
    results.push(row)
    console.log(JSON.stringify(row))
  } finally {
    await db.close()
    await receiver.close()
  }
}

const out = new URL("./results/", import.meta.url)
mkdirSync(out, { recursive: true })
writeFileSync(new URL("latest.json", out), JSON.stringify({
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
  command: `node bench/webhooks/run.mjs ${args.join(" ")}`.trim(),
  results
}, null, 2) + "\n")
