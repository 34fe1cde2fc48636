// Usage benchmark: ingestion through POST /v1/usage-events (batches of 1,000) beside a plain
// batched insert of the same rows with the same driver, and the latency of
// GET /v1/customers/{id}/costs at 10 thousand and 1 million events in the current period, on SQLite
// and Postgres. One run, this machine, against the built packages (`pnpm bench:usage` builds first).
//
//   node bench/usage/run.mjs                          everything, both backends (≈ 5 min on 2 cores)
//   node bench/usage/run.mjs --backends sqlite --big 100000 --measured 20 --no-http   a quick look
//   node bench/usage/run.mjs --profile                also profile in-process ingestion (--cpu-prof)
//
// Every run writes results/latest.json (and, with --profile, results/profile-summary.json).
//
// In-process: requests go to `billkit({...}).handler(new Request(...))` directly, so HTTP parsing
// and sockets are not in the figure. Over HTTP: a smaller run through the built example server
// (a child process, Hono on Node) with `fetch`, for the figure a deployment would see.
import { execFileSync, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { billkit } from "@billkit/core"
import { client, setupCatalog, subscribedCustomer } from "./lib/api.mjs"
import { openBackend } from "./lib/backends.mjs"
import { eventSource } from "./lib/events.mjs"
import { observe, summarise } from "./lib/measure.mjs"
import { topByPackage } from "./lib/profile-detail.mjs"
import { startChild } from "../shared/child.mjs"
import { machine } from "../shared/machine.mjs"

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`)
  return i === -1 ? fallback : args[i + 1]
}
const settings = {
  backends: option("backends", "sqlite,postgres").split(","),
  batchSize: 1000,
  /** Batches sent before measuring (JIT, caches), counted in the big customer's events. */
  warmupBatches: Number(option("warmup", "5")),
  /** Batches measured, in-process, for the ingestion figure and the plain insert beside it. */
  measuredBatches: Number(option("measured", "100")),
  /** Events of the big customer in the current period, all through the API. */
  bigEvents: Number(option("big", "1000000")),
  smallEvents: Number(option("small", "10000")),
  costCalls: Number(option("calls", "200")),
  costWarmupCalls: 20,
  /** Concurrent ingestion: batches in flight at once (0 skips it), and batches each sends. */
  concurrentStreams: Number(option("streams", "4")),
  concurrentBatches: Number(option("concurrent-batches", "15")),
  /** Batches over HTTP through the example server (after 3 warm-up batches); 0 skips it. */
  httpBatches: args.includes("--no-http") ? 0 : Number(option("http-batches", "30")),
  /** `--sqlite-checkpoints inline`: SQLite's own checkpoints in the commit, not @billkit/sqlite's worker thread. */
  sqliteCheckpoints: option("sqlite-checkpoints", undefined)
}
const profiling = args.includes("--profile")
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url))
const baseUrl = "http://billkit.bench"
const round = (x, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits

/** A Billkit instance on `storage` as a host would embed it, with a rate limit the load never reaches. */
const embed = async (storage) => {
  const app = billkit({ storage, defaultRateLimits: [{ window: "second", max: 1e9 }] })
  const { apiKey } = await app.bootstrap()
  const api = client((request) => app.handler(request), baseUrl, apiKey)
  return { app, api }
}

/** Posts `batches` batches from `source`; the clock runs only around each call, not while building bodies. */
const ingest = async (send, request, source, batches, expected) => {
  const latencies = []
  let tokens = 0
  for (let i = 0; i < batches; i++) {
    const batch = source.next(settings.batchSize)
    tokens += batch.tokens
    // The request is the caller's to build, like its body: the clock runs from the handler's call.
    const post = request("POST", "/v1/usage-events", batch.body)
    const began = performance.now()
    const response = await send(post)
    const result = await response.json()
    latencies.push(performance.now() - began)
    if (response.status !== 200 || result.accepted !== expected) throw new Error(`batch ${i}: ${response.status} ${JSON.stringify(result).slice(0, 500)}`)
  }
  const busyMs = latencies.reduce((a, b) => a + b, 0)
  return { events: batches * settings.batchSize, tokens, busyMs, latencies }
}

/** Inserts `rows` in batches of 1,000 with `insert`; the clock runs only around each insert. */
const insertPlain = async (insert, rows) => {
  const latencies = []
  for (let i = 0; i < rows.length; i += settings.batchSize) {
    const slice = rows.slice(i, i + settings.batchSize)
    const began = performance.now()
    await insert(slice)
    latencies.push(performance.now() - began)
  }
  return { events: rows.length, busyMs: latencies.reduce((a, b) => a + b, 0), latencies }
}

const rate = (r) => Math.round((r.events / r.busyMs) * 1000)

/**
 * `batches` bodies of `source`, built now: a source that replays them. Building a body leaves
 * about 1.5 MB of garbage, which the collector would otherwise reclaim inside the timed calls.
 */
const prebuilt = (source, batches) => {
  const bodies = Array.from({ length: batches }, () => source.next(settings.batchSize))
  return { next: () => bodies.shift() }
}

/**
 * `streams` loops posting at once, each for its own customer (bodies made beforehand): what a
 * server sees when several of its clients flush at the same time. Events/s over the wall time.
 */
const ingestConcurrently = async (send, request, sources, batchesEach) => {
  const bodies = sources.map((source) => Array.from({ length: batchesEach }, () => source.next(settings.batchSize)))
  const latencies = []
  const began = performance.now()
  await Promise.all(bodies.map(async (list) => {
    for (const batch of list) {
      const t = performance.now()
      const response = await send(request("POST", "/v1/usage-events", batch.body))
      const result = await response.json()
      latencies.push(performance.now() - t)
      if (response.status !== 200 || result.accepted !== settings.batchSize) throw new Error(`${response.status} ${JSON.stringify(result).slice(0, 500)}`)
    }
  }))
  return { events: sources.length * batchesEach * settings.batchSize, busyMs: performance.now() - began, latencies }
}

/** The plain insert with `streams` batches in flight (Postgres: one pooled connection each). */
const insertPlainConcurrently = async (insert, rows, streams) => {
  const slices = []
  for (let i = 0; i < rows.length; i += settings.batchSize) slices.push(rows.slice(i, i + settings.batchSize))
  const began = performance.now()
  await Promise.all(Array.from({ length: streams }, async () => {
    for (let slice = slices.shift(); slice !== undefined; slice = slices.shift()) await insert(slice)
  }))
  return { events: rows.length, busyMs: performance.now() - began }
}

/**
 * Timed GETs of each path in turn (`calls` rounds, after `warmup` untimed ones), interleaved so
 * that a burst of load from elsewhere on the machine falls on every path alike.
 */
const latencies = async (send, request, targets, calls, warmup) => {
  const durations = targets.map(() => [])
  const last = []
  for (let round = -warmup; round < calls; round++) {
    for (const [i, { path }] of targets.entries()) {
      const began = performance.now()
      const response = await send(request("GET", path))
      last[i] = await response.json()
      const ms = performance.now() - began
      if (response.status !== 200) throw new Error(`GET ${path} → ${response.status} ${JSON.stringify(last[i])}`)
      if (round >= 0) durations[i].push(ms)
    }
  }
  targets.forEach((t, i) => t.check?.(last[i]))
  return durations.map(summarise)
}

/** The costs answer must hold exactly the tokens sent: the estimate reads the rollup, which must be right. */
const expectQuantity = (tokens) => (costs) => {
  const line = costs.lines.find((l) => l.code === "llm_tokens")
  if (line?.quantity !== String(tokens)) throw new Error(`costs quantity ${line?.quantity}, expected ${tokens}`)
}

// ---------------------------------------------------------------------------------------------
// Over HTTP: the example server as a child process.

const exampleServerMain = fileURLToPath(new URL("./main.js", import.meta.resolve("@billkit/example-server")))

const startExampleServer = async (databaseUrl, nodeArgs = []) => {
  const cwd = mkdtempSync(join(os.tmpdir(), "billkit-bench-usage-http-"))
  const server = await startChild({
    script: exampleServerMain,
    nodeArgs,
    cwd,
    env: { PORT: "0", DATABASE_URL: databaseUrl, BILLING_INTERVAL_SECONDS: "0" },
    listening: /Billkit listening on (http:\/\/\S+)/,
    // Server and load generator share the cores, as a self-hoster's would.
    pin: false
  })
  // Printed before it listens, on a fresh database only.
  const key = /shown once\): (sk_test_\w+)/.exec(server.stdout)?.[1]
  const stop = async () => {
    await server.stop()
    rmSync(cwd, { recursive: true, force: true })
  }
  if (key === undefined) {
    await stop()
    throw new Error(`the example server printed no key (not a fresh database?):\n${server.stdout}`)
  }
  return { url: server.url, key, pid: server.pid, stop }
}

const overHttp = async (databaseUrl) => {
  const server = await startExampleServer(databaseUrl)
  try {
    const bootstrap = client(fetch, server.url, server.key)
    // The bootstrap key is limited to 100 requests/s (the default): a key whose limit the load never reaches.
    const key = await bootstrap.ok("POST", "/v1/api-keys", { name: "bench", scopes: ["*"], rate_limits: [{ window: "second", max: 1_000_000 }] })
    const api = client(fetch, server.url, key.secret)
    const { plan } = await setupCatalog(api)
    const { customer } = await subscribedCustomer(api, plan, "http@example.com")
    const source = eventSource(customer, "http", 7)
    await ingest(fetch, api.request, source, 3, settings.batchSize)
    const run = await observe(() => ingest(fetch, api.request, source, settings.httpBatches, settings.batchSize))
    // The server's own peak RSS (a process that did nothing but serve these requests).
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${server.pid}/status`, "utf8"))?.[1]
    return {
      target: "example server (Hono on Node, child process) over loopback HTTP, fetch from this process, one request at a time",
      events: run.result.events,
      events_per_second: rate(run.result),
      batch_ms: summarise(run.result.latencies),
      server_peak_rss_mb: hwm === undefined ? undefined : Math.round(Number(hwm) / 1024),
      machine_busy_share: run.machine_busy_share
    }
  } finally {
    await server.stop()
  }
}

// ---------------------------------------------------------------------------------------------
// One backend.

const runBackend = async (name) => {
  const db = await openBackend(name, { checkpoints: settings.sqliteCheckpoints })
  console.log(`\n== ${name}: ${db.describe}`)
  const { app, api } = await embed(db.storage)
  const send = (request) => app.handler(request)
  try {
    const { plan } = await setupCatalog(api)
    const big = await subscribedCustomer(api, plan, "big@example.com")
    const small = await subscribedCustomer(api, plan, "small@example.com")
    const bigTokens = { sent: 0 }

    // 1. Ingestion, in-process, into a table holding only the warm-up batches.
    const warm = await ingest(send, api.request, eventSource(big.customer, "warm", 1), settings.warmupBatches, settings.batchSize)
    bigTokens.sent += warm.tokens
    const bodies = prebuilt(eventSource(big.customer, "m", 2), settings.measuredBatches)
    await db.settle?.()
    global.gc?.()
    const measured = await observe(() => ingest(send, api.request, bodies, settings.measuredBatches, settings.batchSize))
    bigTokens.sent += measured.result.tokens
    const billkitRate = rate(measured.result)
    console.log(`billkit ingestion: ${billkitRate} events/s (${measured.result.events} events, batch p50 ${summarise(measured.result.latencies).p50_ms} ms)`)

    // 2. The plain insert of exactly the rows Billkit stored (warm-up rows first, untimed).
    const warmRows = await db.storedRows("warm")
    const rows = await db.storedRows("m")
    if (rows.length !== measured.result.events) throw new Error(`read back ${rows.length} rows, expected ${measured.result.events}`)
    await insertPlain(db.plainInsert, warmRows)
    await db.settle?.()
    const plain = await observe(() => insertPlain(db.plainInsert, rows))
    await insertPlain(db.plainInsertDedup, warmRows)
    await db.settle?.()
    const dedup = await observe(() => insertPlain(db.plainInsertDedup, rows))
    const plainRate = rate(plain.result)
    console.log(`plain insert: ${plainRate} events/s; with on conflict do nothing: ${rate(dedup.result)} events/s`)
    const rowBytes = Math.round(rows.reduce((n, r) => n + r.data.length, 0) / rows.length)
    warmRows.length = 0
    rows.length = 0

    // 2b. Several batches in flight at once, four customers (and, on Postgres, the plain insert so).
    let concurrent
    if (settings.concurrentStreams > 0) {
      const others = []
      for (let i = 0; i < settings.concurrentStreams; i++) others.push(await subscribedCustomer(api, plan, `c${i}@example.com`))
      const sources = others.map((o, i) => eventSource(o.customer, `c${i}`, 10 + i))
      await ingestConcurrently(send, api.request, sources, 2)
      const run = await observe(() => ingestConcurrently(send, api.request, sources, settings.concurrentBatches))
      concurrent = {
        target: `${settings.concurrentStreams} batches in flight at once (one customer each), in-process`,
        events: run.result.events,
        events_per_second: rate(run.result),
        batch_ms: summarise(run.result.latencies),
        process_cpu_share_of_one_core: run.process.cpu_share_of_one_core,
        machine_busy_share: run.machine_busy_share
      }
      if (db.plainInsertPooled !== undefined) {
        const concurrentRows = []
        for (let i = 0; i < settings.concurrentStreams; i++) concurrentRows.push(...(await db.storedRows(`c${i}`)))
        const plainRun = await observe(() => insertPlainConcurrently(db.plainInsertPooled, concurrentRows, settings.concurrentStreams))
        concurrent.plain_insert_events_per_second = rate(plainRun.result)
        concurrent.ratio_billkit_to_plain = round(concurrent.events_per_second / concurrent.plain_insert_events_per_second, 3)
      }
      console.log(`billkit, ${settings.concurrentStreams} in flight: ${concurrent.events_per_second} events/s${concurrent.plain_insert_events_per_second ? `; plain, ${settings.concurrentStreams} connections: ${concurrent.plain_insert_events_per_second} events/s` : ""}`)
    }

    // 3. The 10 thousand events of the small customer and the rest of the big customer's million,
    //    all through the API (the big one's time is the sustained ingestion figure).
    const smallRun = await ingest(send, api.request, eventSource(small.customer, "s", 3), settings.smallEvents / settings.batchSize, settings.batchSize)
    const bigRemaining = Math.max(0, settings.bigEvents - (settings.warmupBatches + settings.measuredBatches) * settings.batchSize)
    const topUp = await observe(() => ingest(send, api.request, eventSource(big.customer, "b", 4), bigRemaining / settings.batchSize, settings.batchSize))
    bigTokens.sent += topUp.result.tokens
    const stored = await db.count("billkit_usage_events")
    console.log(`big customer topped up to ${settings.bigEvents} events through the API in ${round(topUp.wallMs / 1000, 1)} s (${rate(topUp.result)} events/s); ${stored} events stored`)

    // 4. Cost estimates at 10 thousand and 1 million events (and, for scale, a plain read of a customer).
    const [costs10k, costs1m, retrieve] = await latencies(send, api.request, [
      { path: `/v1/customers/${small.customer}/costs`, check: expectQuantity(smallRun.tokens) },
      { path: `/v1/customers/${big.customer}/costs`, check: expectQuantity(bigTokens.sent) },
      { path: `/v1/customers/${big.customer}` }
    ], settings.costCalls, settings.costWarmupCalls)
    const costs = { "10k": costs10k, "1m": costs1m }
    for (const [label, c] of Object.entries(costs)) console.log(`GET /costs at ${label} events: p50 ${c.p50_ms} ms, p95 ${c.p95_ms} ms`)
    console.log(`GET /v1/customers/{id} (for scale): p50 ${retrieve.p50_ms} ms, p95 ${retrieve.p95_ms} ms`)

    // 5. Over HTTP, on a database of its own.
    let http
    if (settings.httpBatches > 0) {
      http = await overHttp(db.databaseUrl())
      console.log(`over HTTP (example server): ${http.events_per_second} events/s`)
    }

    return {
      backend: name,
      database: db.describe,
      ingestion: {
        billkit: {
          target: "POST /v1/usage-events, batches of 1,000, in-process billkit().handler, one request at a time",
          events: measured.result.events,
          events_per_second: billkitRate,
          batch_ms: summarise(measured.result.latencies),
          process_cpu_share_of_one_core: measured.process.cpu_share_of_one_core,
          machine_busy_share: measured.machine_busy_share,
          peak_rss_mb: measured.process.peak_rss_mb
        },
        plain_insert: {
          target: name === "sqlite"
            ? "better-sqlite3: prepared single-row INSERT, one transaction per 1,000 rows"
            : "pg: one multi-row INSERT of 1,000 rows per statement (autocommit)",
          events: plain.result.events,
          events_per_second: plainRate,
          batch_ms: summarise(plain.result.latencies),
          process_cpu_share_of_one_core: plain.process.cpu_share_of_one_core,
          machine_busy_share: plain.machine_busy_share
        },
        plain_insert_with_dedup: {
          target: name === "sqlite"
            ? "the same with ON CONFLICT DO NOTHING, inserted rows counted from `changes` (what event_id dedup needs)"
            : "the same with ON CONFLICT DO NOTHING RETURNING id (what event_id dedup needs)",
          events: dedup.result.events,
          events_per_second: rate(dedup.result)
        },
        ratio_billkit_to_plain: round(billkitRate / plainRate, 3),
        concurrent,
        stored_data_bytes_per_event: rowBytes,
        over_http: http
      },
      big_customer_to_1m: {
        how: "every event through POST /v1/usage-events in-process (warm-up + measured + this top-up)",
        events_through_api: settings.bigEvents,
        top_up_events: topUp.result.events,
        top_up_seconds: round(topUp.wallMs / 1000, 1),
        top_up_events_per_second: rate(topUp.result),
        top_up_batch_ms: summarise(topUp.result.latencies),
        peak_rss_mb: topUp.process.peak_rss_mb,
        machine_busy_share: topUp.machine_busy_share,
        events_stored_in_table: stored
      },
      costs_latency: {
        target: "GET /v1/customers/{id}/costs, in-process, one call at a time, the two customers (and the plain read) interleaved, after 20 warm-up rounds",
        events_10k: { events: settings.smallEvents, ...costs["10k"] },
        events_1m: { events: settings.bigEvents, ...costs["1m"] },
        for_scale_get_customer: retrieve
      }
    }
  } finally {
    await app.dispose()
    await db.close()
  }
}

// ---------------------------------------------------------------------------------------------
// Profile: in-process ingestion under --cpu-prof, in a child, cut to the measured batches.

const profileChild = async (name) => {
  const db = await openBackend(name, { checkpoints: settings.sqliteCheckpoints })
  const { app, api } = await embed(db.storage)
  try {
    const { plan } = await setupCatalog(api)
    const { customer } = await subscribedCustomer(api, plan, "profile@example.com")
    const send = (request) => app.handler(request)
    const source = eventSource(customer, "p", 5)
    await ingest(send, api.request, source, settings.warmupBatches, settings.batchSize)
    // Bodies made before the window opens, so that making them is not in the profile.
    const batches = Number(option("profile-batches", "100"))
    const replay = prebuilt(source, batches)
    const from = Number(process.hrtime.bigint() / 1000n)
    const run = await ingest(send, api.request, replay, batches, settings.batchSize)
    const to = Number(process.hrtime.bigint() / 1000n)
    console.log(`PROFILE_WINDOW ${JSON.stringify({ from, to, events_per_second: rate(run) })}`)
  } finally {
    await app.dispose()
    await db.close()
  }
}

const profile = async (name) => {
  const { summariseProfile } = await import("../http/lib/profile.mjs")
  const dir = mkdtempSync(join(os.tmpdir(), "billkit-usage-profile-"))
  const script = fileURLToPath(import.meta.url)
  const output = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--cpu-prof", `--cpu-prof-dir=${dir}`, script, "--profile-child", name], { stdio: ["ignore", "pipe", "inherit"] })
    let out = ""
    child.stdout.setEncoding("utf8").on("data", (c) => (out += c))
    child.once("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`profile child exited with ${code}`))))
  })
  const window = JSON.parse(/PROFILE_WINDOW (.*)/.exec(output)[1])
  const file = join(dir, readdirSync(dir).find((f) => f.endsWith(".cpuprofile")))
  return {
    backend: name,
    profile: file,
    window_us: { from: window.from, to: window.to },
    events_per_second_under_profiler: window.events_per_second,
    ...summariseProfile(file, { window, top: 30 }),
    top_functions_by_package: topByPackage(file, { window })
  }
}

// ---------------------------------------------------------------------------------------------

if (args.includes("--profile-child")) {
  await profileChild(option("profile-child", "sqlite"))
  process.exit(0)
}

const git = (...a) => {
  try {
    return execFileSync("git", a, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim()
  } catch {
    return undefined
  }
}
const loadBefore = round(os.loadavg()[0], 2)
if (loadBefore > 0.5) console.warn(`warning: load average ${loadBefore} before starting; figures will be noisy`)
console.log(`usage bench: ${JSON.stringify(settings)}`)

const began = Date.now()
const results = []
for (const backend of settings.backends) results.push(await runBackend(backend))

const profiles = []
if (profiling) {
  for (const backend of settings.backends) {
    console.log(`\nprofiling in-process ingestion on ${backend}…`)
    const summary = await profile(backend)
    profiles.push(summary)
    console.log(`self time by package (${summary.total_ms} ms sampled, ${summary.events_per_second_under_profiler} events/s under the profiler):`)
    for (const row of summary.self_by_package) console.log(`  ${String(row.percent).padStart(5)} %  ${row.name}`)
    console.log("top functions by self time:")
    for (const row of summary.self_by_function.slice(0, 15)) console.log(`  ${String(row.percent).padStart(5)} %  ${row.name}`)
  }
  writeFileSync(join(resultsDir, "profile-summary.json"), `${JSON.stringify(profiles, null, 2)}\n`)
}

const aims = { sqlite: 50_000, postgres: 20_000 }
const output = {
  date: new Date().toISOString(),
  command: `node bench/usage/run.mjs ${args.join(" ")}`.trim() + "  (pnpm bench:usage builds first, then runs it)",
  commit: git("rev-parse", "--short", "HEAD"),
  // Other work in the tree is built into the packages measured: say so.
  working_tree_dirty: (git("status", "--porcelain", "--", "packages") ?? "") !== "",
  machine: machine(),
  settings,
  load_average_1m_before: loadBefore,
  load_average_1m_after: round(os.loadavg()[0], 2),
  seconds: Math.round((Date.now() - began) / 1000),
  peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  results,
  aims: {
    ingestion_events_per_second: aims,
    costs_p95_ms_at_1m_events: 20,
    met: Object.fromEntries(results.map((r) => [r.backend, {
      ingestion: r.ingestion.billkit.events_per_second >= aims[r.backend],
      costs_under_20ms_at_1m: r.costs_latency.events_1m.p95_ms < 20
    }]))
  }
}
mkdirSync(resultsDir, { recursive: true })
writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(output, null, 2)}\n`)

console.log("")
console.log("| backend | Billkit events/s | plain insert events/s | ratio | /costs p50 / p95 at 10k | at 1M | over HTTP events/s |")
console.log("|---|---:|---:|---:|---:|---:|---:|")
for (const r of results) {
  const c = r.costs_latency
  console.log(`| ${r.backend} | ${r.ingestion.billkit.events_per_second} | ${r.ingestion.plain_insert.events_per_second} | ${r.ingestion.ratio_billkit_to_plain} | ${c.events_10k.p50_ms} / ${c.events_10k.p95_ms} ms | ${c.events_1m.p50_ms} / ${c.events_1m.p95_ms} ms | ${r.ingestion.over_http?.events_per_second ?? "–"} |`)
}
console.log(`peak RSS ${output.peak_rss_mb} MB; wrote ${join(resultsDir, "latest.json")}`)
