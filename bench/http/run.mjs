// HTTP benchmark: GET /v1/customers/{id} through the built example server (SQLite file, one
// customer, API key auth) against a bare Hono route returning the same JSON. One run, this machine.
//
//   node run.mjs            measure and write results/latest.json
//   node run.mjs --profile  also profile the server (--cpu-prof) in a separate, unrecorded run
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import os from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { measure } from "./lib/measure.mjs"
import { summariseProfile } from "./lib/profile.mjs"
import { bareServerMain, exampleServerMain, httpApiFloorMain, pinSelf, startChild } from "./lib/servers.mjs"
import { machine } from "../shared/machine.mjs"

const settings = { connections: 10, warmupSeconds: 2, seconds: 10 }
const profiling = process.argv.includes("--profile")
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url))

const billkitListening = /Billkit listening on (http:\/\/\S+)/
const bareListening = /Bare Hono listening on (http:\/\/\S+)/
const floorListening = /HttpApi floor listening on (http:\/\/\S+)/

const json = async (response) => {
  if (!response.ok) throw new Error(`${response.status} ${await response.text()}`)
  return response.json()
}

/** One customer, and a key whose rate limit the load cannot reach (the default is 100/s). */
const seed = async (url, bootstrapKey) => {
  const call = (path, init = {}) =>
    fetch(`${url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${bootstrapKey}`, "content-type": "application/json" }
    }).then(json)
  const customer = await call("/v1/customers", { method: "POST", body: JSON.stringify({ email: "bench@example.com", name: "Bench" }) })
  const key = await call("/v1/api-keys", {
    method: "POST",
    body: JSON.stringify({ name: "bench", scopes: ["customers:read"], rate_limits: [{ window: "second", max: 1_000_000 }] })
  })
  return { path: `/v1/customers/${customer.id}`, key: key.secret }
}

const startBillkit = async (nodeArgs = []) => {
  const cwd = mkdtempSync(join(os.tmpdir(), "billkit-bench-"))
  const server = await startChild({ script: exampleServerMain, nodeArgs, cwd, env: { PORT: "0" }, listening: billkitListening })
  const bootstrapKey = /shown once\): (sk_test_\w+)/.exec(server.stdout)?.[1]
  if (bootstrapKey === undefined) throw new Error(`no bootstrap key printed:\n${server.stdout}`)
  return { ...server, cwd, bootstrapKey }
}

/**
 * The same server, peeled: Hono alone (/healthz), Billkit refusing a request without a key, with
 * an unknown key (hash + lookup), and the full read. The differences say what each layer costs.
 */
const measureLayers = async (url, target) => {
  const short = { ...settings, warmupSeconds: 1, seconds: 5 }
  const unknownKey = { authorization: "Bearer sk_test_0000000000000000000000000000" }
  const layers = [
    ["Hono route in the same server (GET /healthz)", "/healthz", {}],
    ["Billkit, no key (401 before any lookup)", target.path, {}],
    ["Billkit, unknown key (401 after hash + lookup)", target.path, unknownKey],
    ["Billkit, full read (200)", target.path, { authorization: `Bearer ${target.key}` }]
  ]
  const results = []
  for (const [name, path, headers] of layers) {
    console.log(`measuring layer: ${name}`)
    const { window: _window, ...result } = await measure({ url: `${url}${path}`, headers, ...short })
    results.push({ name, ...result })
  }
  return results
}

const printProfile = (summary) => {
  console.log("\nlayers (req/s, p50 ms):")
  for (const layer of summary.layers) console.log(`  ${String(layer.requests_per_second).padStart(6)}  ${String(layer.latency_ms.p50).padStart(4)}  ${layer.name}`)
  console.log(`\nself time by package, under load (${summary.total_ms} ms sampled):`)
  for (const row of summary.self_by_package) console.log(`  ${String(row.percent).padStart(5)} %  ${row.name}`)
  console.log("\ntop functions by self time:")
  for (const row of summary.self_by_function) console.log(`  ${String(row.percent).padStart(5)} %  ${row.name}`)
  console.log("\nBillkit functions by inclusive time (lower bounds: fibers cut stacks):")
  for (const row of summary.inclusive_billkit_functions) console.log(`  ${String(row.percent).padStart(5)} %  ${row.name}`)
  console.log(`\nprofile: ${summary.profile} (open in Chrome DevTools → Performance)`)
}

const withoutWindow = ({ window: _window, ...result }) => result

const table = (rows) => {
  console.log("")
  console.log("| target | req/s | p50 ms | p99 ms | non-2xx |")
  console.log("|---|---:|---:|---:|---:|")
  for (const [name, r] of rows) console.log(`| ${name} | ${r.requests_per_second} | ${r.latency_ms.p50} | ${r.latency_ms.p99} | ${r.non_2xx} |`)
  console.log("")
}

// Taken before we add load: other work on the machine skews every figure.
const backgroundLoad = Math.round(os.loadavg()[0] * 100) / 100
const cpuSplit = pinSelf()
if (backgroundLoad > 0.5) console.warn(`warning: load average ${backgroundLoad} before starting; figures will be noisy`)
console.log(`HTTP bench: ${settings.connections} connections, ${settings.warmupSeconds} s warm-up + ${settings.seconds} s per target; ${cpuSplit}`)

// (1) Billkit through the example server.
const billkit = await startBillkit()
const target = await seed(billkit.url, billkit.bootstrapKey)
const headers = { authorization: `Bearer ${target.key}` }
const body = await fetch(`${billkit.url}${target.path}`, { headers }).then(json)
console.log(`measuring Billkit ${billkit.url}${target.path}`)
const billkitResult = await measure({ url: `${billkit.url}${target.path}`, headers, ...settings })
const layers = profiling ? await measureLayers(billkit.url, target) : undefined
await billkit.stop()
rmSync(billkit.cwd, { recursive: true, force: true })

// (2) Bare Hono, same body.
const bare = await startChild({ script: bareServerMain, env: { BENCH_BODY: JSON.stringify(body) }, listening: bareListening })
console.log(`measuring bare Hono ${bare.url}${target.path}`)
const bareResult = await measure({ url: `${bare.url}${target.path}`, headers, ...settings })
await bare.stop()

// (3) The Effect HttpApi floor: Billkit's HTTP stack with no work behind it.
const floor = await startChild({ script: httpApiFloorMain, env: { BENCH_BODY: JSON.stringify(body) }, listening: floorListening })
console.log(`measuring the HttpApi floor ${floor.url}${target.path}`)
const floorResult = await measure({ url: `${floor.url}${target.path}`, headers, ...settings })
await floor.stop()

const ratioOf = (a, b) => Math.round((100 * a.requests_per_second) / b.requests_per_second) / 100
const ratio = ratioOf(billkitResult, bareResult)
table([
  ["Billkit GET /v1/customers/{id} (SQLite, auth)", billkitResult],
  ["Hono + Effect HttpApi, same JSON, no work (the floor)", withoutWindow(floorResult)],
  ["bare Hono, same JSON", bareResult]
])
console.log(`ratio Billkit / bare: ${ratio}; floor / bare: ${ratioOf(floorResult, bareResult)}; Billkit / floor: ${ratioOf(billkitResult, floorResult)}`)

const results = {
  date: new Date().toISOString(),
  command: `node bench/http/run.mjs${profiling ? " --profile" : ""}  (pnpm bench:http builds first, then runs it)`,
  machine: machine(),
  settings: { ...settings, cpu_split: cpuSplit, body_bytes: Buffer.byteLength(JSON.stringify(body)) },
  billkit: { target: "GET /v1/customers/{id}, example server, SQLite file, one customer, secret key", ...withoutWindow(billkitResult) },
  bare_hono: { target: "GET /v1/customers/:id, @hono/node-server, same JSON, no auth or database", ...withoutWindow(bareResult) },
  httpapi_floor: { target: "Hono → Effect HttpApi web handler, same JSON, no auth, database or schema work", ...withoutWindow(floorResult) },
  ratio,
  ratio_floor_to_bare: ratioOf(floorResult, bareResult),
  ratio_billkit_to_floor: ratioOf(billkitResult, floorResult),
  // Compare runs only when this was low (well under the core count).
  load_average_1m_before: backgroundLoad
}
mkdirSync(resultsDir, { recursive: true })
writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`)
console.log(`wrote ${join(resultsDir, "latest.json")}`)

if (profiling) {
  // A separate run: the profiler slows the server, so its figures are not the ones recorded.
  // Profiles run to megabytes: they go to a temp dir, only the summary into results/.
  const profileDir = mkdtempSync(join(os.tmpdir(), "billkit-profile-"))
  const profiled = await startBillkit(["--cpu-prof", `--cpu-prof-dir=${profileDir}`])
  const seeded = await seed(profiled.url, profiled.bootstrapKey)
  console.log("profiling Billkit…")
  const run = await measure({ url: `${profiled.url}${seeded.path}`, headers: { authorization: `Bearer ${seeded.key}` }, ...settings })
  await profiled.stop()
  rmSync(profiled.cwd, { recursive: true, force: true })
  const file = join(profileDir, readdirSync(profileDir).find((name) => name.endsWith(".cpuprofile")))
  const summary = { layers, profile: file, ...summariseProfile(file, { window: run.window }) }
  writeFileSync(join(resultsDir, "profile-summary.json"), `${JSON.stringify(summary, null, 2)}\n`)
  printProfile(summary)
}
