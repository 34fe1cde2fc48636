// CPU per plain retrieve (GET /v1/customers/{id}) inside one process, no sockets: the handler with
// its short path for plain retrieves (FastReads.ts) and without it (`fastReads: false`), in
// alternating rounds so that load from elsewhere falls on both alike, beside a handler that does
// no work at all (the cost of making the Request and reading the Response).
//
//   node bench/http/in-process.mjs [--requests 10000] [--rounds 3]
import { billkit } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { writeFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { machine } from "../shared/machine.mjs"
import os from "node:os"

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`)
  return at === -1 ? fallback : Number(process.argv[at + 1])
}
const requests = option("requests", 10_000)
const rounds = option("rounds", 3)

/** CPU µs per request of `handler` over `requests` calls, after a warm-up. */
const cpuPerRequest = async (handler, makeRequest) => {
  for (let i = 0; i < 2_000; i++) await (await handler(makeRequest())).text()
  const before = process.cpuUsage()
  for (let i = 0; i < requests; i++) await (await handler(makeRequest())).text()
  const used = process.cpuUsage(before)
  return (used.user + used.system) / requests
}

const billkitRound = async (fastReads) => {
  const sqlite = makeSqliteStorage({ filename: ":memory:" })
  await sqlite.migrate()
  // Limits the load cannot reach: authentication and counting still run on every request.
  const billing = billkit({ storage: sqlite.storage, fastReads, defaultRateLimits: [{ window: "second", max: 1e9 }] })
  const { apiKey } = await billing.bootstrap()
  const created = await billing.handler(new Request("http://bench/v1/customers", {
    method: "POST",
    headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ email: "bench@example.com", name: "Bench" })
  }))
  const { id } = await created.json()
  const makeRequest = () => new Request(`http://bench/v1/customers/${id}`, { headers: { authorization: `Bearer ${apiKey}` } })
  const probe = await billing.handler(makeRequest())
  if (probe.status !== 200) throw new Error(`GET answered ${probe.status}: ${await probe.text()}`)
  const us = await cpuPerRequest(billing.handler, makeRequest)
  await billing.dispose()
  await sqlite.close()
  return us
}

const floorRound = () => {
  const body = new TextEncoder().encode(JSON.stringify({ id: "cus_x", object: "customer" }))
  const handler = async (request) => {
    new URL(request.url)
    request.headers.get("authorization")
    return new Response(body, { status: 200, headers: { "content-type": "application/json" } })
  }
  return cpuPerRequest(handler, () => new Request("http://bench/v1/customers/cus_x", { headers: { authorization: "Bearer sk_test_x" } }))
}

const load = os.loadavg()[0]
const samples = { fast: [], full: [], nothing: [] }
for (let round = 0; round < rounds; round++) {
  samples.fast.push(await billkitRound(true))
  samples.full.push(await billkitRound(false))
  samples.nothing.push(await floorRound())
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const result = {
  machine: machine(),
  load_average_1m_before: load,
  command: `node bench/http/in-process.mjs --requests ${requests} --rounds ${rounds}`,
  cpu_us_per_request: { fast_reads: median(samples.fast), full_stack: median(samples.full), request_and_response_only: median(samples.nothing) },
  samples,
  measuredAt: new Date().toISOString()
}
console.log(`CPU per GET /v1/customers/{id}, median of ${rounds}: short path ${result.cpu_us_per_request.fast_reads.toFixed(0)} µs, full stack ${result.cpu_us_per_request.full_stack.toFixed(0)} µs, Request+Response alone ${result.cpu_us_per_request.request_and_response_only.toFixed(0)} µs`)
writeFileSync(fileURLToPath(new URL("./results/in-process.json", import.meta.url)), `${JSON.stringify(result, null, 2)}\n`)
