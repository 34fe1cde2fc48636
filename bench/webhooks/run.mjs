// Webhook deliveries per second from one worker (`billkit().runDeliveries()`) to a receiver on
// 127.0.0.1 (its own process) that answers 200 at once, with N deliveries pending, on SQLite and
// on Postgres; the worker's CPU time, its storage calls, and its memory: heapUsed after a forced
// gc before the run, at each quarter of it and after it, and RSS.
//
//   node bench/webhooks/run.mjs                                   # 100,000 pending on both backends
//   node bench/webhooks/run.mjs --pending 10000 --backends sqlite
//   node bench/webhooks/run.mjs --pending 20000 --profile         # + where the worker's CPU goes
//
// Seeding: one endpoint and one event through the REST handler, then N events (copies of that
// one, as `GET /v1/events` shows them) and one pending delivery of each, written in bulk through
// the storage port (as the dispatcher would).
import { fork, spawnSync } from "node:child_process"
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { Session } from "node:inspector/promises"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"

// Heap figures need a forced gc: re-run this script with --expose-gc.
if (typeof global.gc !== "function") {
  const child = spawnSync(process.execPath, ["--expose-gc", fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: "inherit" })
  process.exit(child.status ?? 1)
}

const { Effect } = await import("effect")
const { Collections, Ids, billkit } = await import("@billkit/core")
const { makeSqliteStorage } = await import("@billkit/sqlite")
const { makePostgresStorage } = await import("@billkit/postgres")
const { startPostgresServer } = await import("@billkit/testing/postgres")

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const pending = Number(option("pending", "100000"))
const backends = option("backends", "sqlite,postgres").split(",")
const batchSize = Number(option("batch", "100"))
const concurrency = Number(option("concurrency", "32"))
const profile = args.includes("--profile")
const mb = (bytes) => Math.round(bytes / 2 ** 20)
const loadAverageBefore = loadavg().map((l) => Number(l.toFixed(1)))

const startReceiver = async () => {
  const proc = fork(fileURLToPath(new URL("./receiver.mjs", import.meta.url)), { stdio: "inherit" })
  const next = (key) => new Promise((resolve) => {
    const on = (m) => {
      if (m[key] !== undefined) {
        proc.off("message", on)
        resolve(m)
      }
    }
    proc.on("message", on)
  })
  const { port } = await next("port")
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    proc,
    expect: async (n) => {
      proc.send({ expect: n })
      await next("ready")
    },
    stats: async () => {
      proc.send({ stats: true })
      return next("received")
    },
    close: () => new Promise((resolve) => {
      proc.once("exit", resolve)
      proc.send({ stop: true })
    })
  }
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

/** The storage port with a counter per method: statements (round trips) per delivery. */
const counting = (storage) => {
  const calls = {}
  const counted = { ...storage }
  for (const name of ["insert", "update", "get", "findOne", "list", "due", "insertMany", "findMany", "updateMany"]) {
    counted[name] = (...a) => {
      calls[name] = (calls[name] ?? 0) + 1
      return storage[name](...a)
    }
  }
  counted.withTransaction = (self) => Effect.suspend(() => {
    calls.transactions = (calls.transactions ?? 0) + 1
    return storage.withTransaction(self)
  })
  return { storage: counted, calls, reset: () => { for (const k in calls) delete calls[k] } }
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
  const tenant = { projectId, mode: "test" }
  const real = (await call("GET", "/v1/events?type=customer.created")).data[0]
  const stored = await Effect.runPromise(storage.get(Collections.Events, tenant, real.id))
  await app.dispose()
  const template = stored.value
  const now = new Date().toISOString()
  const base = Date.now() - 1000
  const chunk = 5000
  for (let start = 0; start < pending; start += chunk) {
    const events = []
    const deliveries = []
    for (let i = start; i < Math.min(pending, start + chunk); i++) {
      const eventId = Ids.makeId("event", base, random16(i))
      events.push({
        id: eventId,
        data: { ...template, id: eventId },
        index: { type: template.type, subject: template.subject, created_at: template.created_at, dispatch: null }
      })
      const id = Ids.makeId("webhookDelivery", base, random16(i))
      deliveries.push({
        id,
        data: {
          id, object: "webhook_delivery", endpoint: endpoint.id, subscriber: null, event: eventId, event_type: template.type,
          status: "pending", attempts: 0, next_attempt_at: now, response_status: null, response_body: null, error: null,
          duration_ms: null, delivered_at: null, created_at: now, updated_at: now, lease_token: null, leased_until: null
        },
        index: { endpoint: endpoint.id, subscriber: null, event: eventId, status: "pending", due_at: now, created_at: now }
      })
    }
    await Effect.runPromise(storage.insertMany(Collections.Events, tenant, events))
    await Effect.runPromise(storage.insertMany(Collections.WebhookDeliveries, tenant, deliveries))
  }
  return tenant
}

/** Self time of the worker process by what it was doing, from a CPU profile of the run. */
const categories = [
  ["signing (standardwebhooks HMAC)", /fast-sha256|standardwebhooks|@stablelib/],
  ["HTTP client (undici fetch, streams, sockets)", /undici|webstreams|node:internal\/(streams|net|stream_base|http|abort_controller|event_target|worker\/js_transferable|url|encoding)|node:net|node:events|node:buffer/],
  ["storage (Kysely, driver, SQL layer)", /kysely|better-sqlite3|node_modules\/pg|pg-protocol|pg-pool|packages\/sql\/|@billkit\/sql|sqlite\/dist|postgres\/dist/],
  ["Effect runtime and schemas", /effect@|node_modules\/effect\//],
  ["Billkit core", /packages\/core\/|@billkit\/core/]
]
// Native frames (no script URL) by function: socket writes and undici's dispatch are the HTTP
// client's (on Postgres the driver's socket writes land there too); run/all/get are better-sqlite3's.
const nativeCategories = [
  ["HTTP client (undici fetch, streams, sockets)", ["writev", "writeUtf8String", "writeBuffer", "dispatch", "JSTransferable", "connect", "encodeUtf8String", "readStop", "readStart"]],
  ["storage (Kysely, driver, SQL layer)", ["run", "all", "get", "iterate"]],
  ["Effect runtime and schemas", ["runMicrotasks", "enqueueMicrotask"]]
]
const categorize = (profileData) => {
  const byId = new Map(profileData.nodes.map((n) => [n.id, n]))
  const totals = new Map()
  let total = 0
  profileData.samples.forEach((id, i) => {
    const dt = profileData.timeDeltas[i] ?? 0
    const frame = byId.get(id).callFrame
    let key
    if (frame.functionName === "(idle)") key = "(idle)"
    else if (frame.functionName === "(garbage collector)") key = "garbage collector"
    else if (frame.url === "") key = nativeCategories.find(([, names]) => names.includes(frame.functionName))?.[0] ?? "native / other"
    else key = categories.find(([, re]) => re.test(frame.url))?.[0] ?? "other JS"
    totals.set(key, (totals.get(key) ?? 0) + dt)
    total += dt
  })
  const busy = total - (totals.get("(idle)") ?? 0)
  return Object.fromEntries([...totals].filter(([k]) => k !== "(idle)").sort((a, b) => b[1] - a[1]).map(([k, t]) => [k, `${((100 * t) / busy).toFixed(1)} %`]))
}

const results = []
/** Written after each backend, so a long run that is cut short keeps what it measured. */
const writeResults = () => {
  const out = new URL("./results/", import.meta.url)
  mkdirSync(out, { recursive: true })
  writeFileSync(new URL(process.env.BENCH_RESULTS ?? "latest.json", out), JSON.stringify({
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    loadAverageBefore,
    command: `node bench/webhooks/run.mjs ${args.join(" ")}`.trim(),
    results
  }, null, 2) + "\n")
}
for (const backend of backends) {
  const receiver = await startReceiver()
  const db = await openBackend(backend)
  try {
    const seedBegan = performance.now()
    await seed(db.storage, receiver.url)
    const seedSeconds = (performance.now() - seedBegan) / 1000
    const count = counting(db.storage)
    const app = billkit({ storage: count.storage, webhooks: { allowPrivateNetworks: true, batchSize, concurrency } })
    await receiver.expect(pending)
    const heap = () => {
      global.gc()
      const m = process.memoryUsage()
      return { heapUsedMb: mb(m.heapUsed), heapTotalMb: mb(m.heapTotal), externalMb: mb(m.external), rssMb: mb(m.rss) }
    }
    const memory = [{ at: "start", ...heap() }]
    const onQuarter = (m) => { if (m.quarter !== undefined && m.quarter < 4) memory.push({ at: `${m.quarter}/4`, ...heap() }) }
    receiver.proc.on("message", onQuarter)
    let peak = process.memoryUsage().rss
    const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage.rss()) }, 100)
    const session = profile ? new Session() : undefined
    if (session) {
      session.connect()
      await session.post("Profiler.enable")
      await session.post("Profiler.start")
    }
    const receiverCpuBefore = (await receiver.stats()).cpuSeconds
    count.reset()
    const loadBefore = Number(loadavg()[0].toFixed(1))
    const began = performance.now()
    const cpuBefore = process.cpuUsage()
    const report = await app.runDeliveries()
    const seconds = (performance.now() - began) / 1000
    const cpu = process.cpuUsage(cpuBefore)
    const cpuSeconds = (cpu.user + cpu.system) / 1e6
    const profiled = session ? (await session.post("Profiler.stop")).profile : undefined
    if (profiled && process.env.BENCH_PROFILE_OUT) writeFileSync(process.env.BENCH_PROFILE_OUT, JSON.stringify(profiled))
    const cpuSplit = profiled ? categorize(profiled) : undefined
    session?.disconnect()
    clearInterval(sampler)
    receiver.proc.off("message", onQuarter)
    memory.push({ at: "end", ...heap() })
    const stats = await receiver.stats()
    await app.dispose()
    if (report.succeeded !== pending || stats.received !== pending) throw new Error(`${backend}: expected ${pending} deliveries, report ${JSON.stringify(report)}, receiver ${stats.received}`)
    const perThousand = Object.fromEntries(Object.entries(count.calls).map(([k, n]) => [k, Number(((1000 * n) / pending).toFixed(1))]))
    const row = {
      backend,
      pending,
      batchSize,
      concurrency,
      seconds: Number(seconds.toFixed(2)),
      deliveriesPerSecond: Math.round(pending / seconds),
      // CPU time of the worker process alone (the receiver runs in its own): the rate with a core to itself.
      cpuSeconds: Number(cpuSeconds.toFixed(2)),
      deliveriesPerCpuSecond: Math.round(pending / cpuSeconds),
      receiverCpuSeconds: Number((stats.cpuSeconds - receiverCpuBefore).toFixed(2)),
      loadAverageBefore: loadBefore,
      loadAverageAfter: Number(loadavg()[0].toFixed(1)),
      seedSeconds: Number(seedSeconds.toFixed(1)),
      storageCallsPer1000Deliveries: perThousand,
      peakRssMb: mb(peak),
      // Flat memory: heapUsed after a forced gc before the run, at each quarter of it, and after it.
      memory,
      ...(cpuSplit === undefined ? {} : { cpuSplit })
    }
    results.push(row)
    console.log(JSON.stringify(row))
    writeResults()
  } finally {
    await db.close()
    await receiver.close()
  }
}

