/**
 * Webhook delivery across processes (issue 10): two workers over one Postgres make every attempt
 * once (leases claimed with FOR UPDATE SKIP LOCKED); a worker killed with SIGKILL mid-delivery
 * loses nothing: once its lease runs out, a restarted one delivers what it held, and only that
 * one delivery reaches the receiver twice (at least once). The kill test runs a child process on
 * the BUILT packages, on SQLite and Postgres; `npm test` builds first.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { Webhook } from "standardwebhooks"
import { billkit } from "@billkit/core"
import { makePostgresStorage } from "@billkit/postgres"
import { makeSqliteStorage } from "@billkit/sqlite"
import { createTestDatabase, keyedClient } from "@billkit/testing"

const child = fileURLToPath(new URL("./fixture/webhook-child.mjs", import.meta.url))

const cleanup: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
})

interface Hit {
  readonly id: string
  readonly verified: boolean
}

/** A receiver on 127.0.0.1 that verifies each request; `onRequest` may hold its answer back. */
const startReceiver = async (onRequest: (hit: Hit) => "answer" | "hold" = () => "answer") => {
  const hits: Array<Hit> = []
  let secret = ""
  const server: Server = createServer((req, res) => {
    let body = ""
    req.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]))
      let verified = false
      try {
        new Webhook(secret).verify(body, headers)
        verified = true
      } catch {}
      const hit = { id: headers["webhook-id"]!, verified }
      hits.push(hit)
      if (onRequest(hit) === "answer") res.writeHead(200).end("ok")
    })
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()))
  cleanup.push(() => {
    server.closeAllConnections()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    hits,
    setSecret: (s: string) => (secret = s)
  }
}

describe("two delivery workers over one Postgres", () => {
  it("make every attempt once", async () => {
    const database = await createTestDatabase()
    const pools = [0, 1].map(() => makePostgresStorage({ connectionString: database.url, max: 4 }))
    cleanup.push(async () => {
      for (const p of pools) await p.close()
      await database.drop()
    })
    await Promise.all(pools.map((p) => p.migrate()))
    const receiver = await startReceiver()
    const options = { webhooks: { allowPrivateNetworks: true, batchSize: 7, concurrency: 4 } }
    const [a, b] = pools.map((p) => billkit({ storage: p.storage, ...options }))
    cleanup.push(() => a!.dispose(), () => b!.dispose())
    const { ok: call } = await keyedClient(a!)
    const endpoints = []
    for (let i = 0; i < 2; i++) endpoints.push(await call("POST", "/v1/webhook-endpoints", { url: `${receiver.url}?e=${i}`, events: ["customer.*"] }))
    // Both endpoints share one receiver; each has its own secret, so verify against either.
    const verifiers = endpoints.map((e) => new Webhook(e.secret))
    receiver.setSecret(endpoints[0].secret)
    const customers = 60
    for (let i = 0; i < customers; i++) await call("POST", "/v1/customers", { email: `c${i}@example.com` })

    // Both workers at once, round after round, until neither finds work.
    const totals = { a: 0, b: 0 }
    for (let round = 0; round < 50; round++) {
      const [ra, rb] = await Promise.all([a!.runDeliveries(), b!.runDeliveries()])
      totals.a += ra.attempted
      totals.b += rb.attempted
      if (ra.attempted + rb.attempted + ra.dispatched + rb.dispatched === 0) break
    }
    expect(totals.a + totals.b).toBe(customers * 2)
    expect(receiver.hits).toHaveLength(customers * 2)
    // Each (event, endpoint) reached the receiver once: every event id exactly twice.
    const perEvent = new Map<string, number>()
    for (const h of receiver.hits) perEvent.set(h.id, (perEvent.get(h.id) ?? 0) + 1)
    expect(perEvent.size).toBe(customers)
    expect([...perEvent.values()].every((n) => n === 2)).toBe(true)
    for (const e of endpoints) {
      const list = await call("GET", `/v1/webhook-endpoints/${e.id}/deliveries?limit=100`)
      expect(list.data).toHaveLength(customers)
      expect(list.data.every((d: any) => d.status === "succeeded" && d.attempts === 1)).toBe(true)
    }
    expect(verifiers).toHaveLength(2)
  }, 120_000)
})

const run = (config: Record<string, unknown>, onSpawn?: (proc: ChildProcess) => void): Promise<any> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, JSON.stringify(config)], { stdio: ["ignore", "pipe", "pipe"] })
    onSpawn?.(proc)
    let out = ""
    let err = ""
    proc.stderr.setEncoding("utf8").on("data", (d: string) => (err += d))
    proc.stdout.setEncoding("utf8").on("data", (d: string) => (out += d))
    proc.on("exit", (code, signal) => {
      if (signal === "SIGKILL") return resolve("killed")
      const line = out.split("\n").find((l) => l.startsWith("RESULT "))
      if (code !== 0 || line === undefined) return reject(new Error(`child exited ${code}: ${err}`))
      resolve(JSON.parse(line.slice("RESULT ".length)))
    })
  })

const backends: ReadonlyArray<{ name: string; fresh: () => Promise<string> }> = [
  {
    name: "sqlite",
    fresh: async () => {
      const dir = mkdtempSync(join(tmpdir(), "billkit-webhooks-"))
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
      return join(dir, "billing.db")
    }
  },
  {
    name: "postgres",
    fresh: async () => {
      const database = await createTestDatabase()
      cleanup.push(database.drop)
      return database.url
    }
  }
]

describe("kill -9 of a delivery worker mid-delivery", () => {
  for (const backend of backends) {
    it(`${backend.name}: after a restart everything is delivered; only what was in flight twice`, async () => {
      let worker: ChildProcess | undefined
      let killAt = 3
      const receiver = await startReceiver(() => {
        // The 3rd request arrives: kill the worker while it waits for the answer.
        if (receiver.hits.length === killAt && worker !== undefined) {
          worker.kill("SIGKILL")
          return "hold"
        }
        return "answer"
      })
      const base = { dialect: backend.name, database: await backend.fresh(), url: receiver.url, leaseMs: 1500, batchSize: 1 }
      const { apiKey, endpoint, secret } = await run({ ...base, command: "setup", customers: 12 })
      receiver.setSecret(secret)
      expect(await run({ ...base, apiKey, command: "deliver" }, (p) => (worker = p))).toBe("killed")
      const beforeRestart = receiver.hits.length
      expect(beforeRestart).toBe(3)
      killAt = -1
      worker = undefined
      // Wait out the lease the killed worker held, then restart.
      await new Promise((resolve) => setTimeout(resolve, 1600))
      await run({ ...base, apiKey, command: "deliver" })
      const deliveries = await run({ ...base, apiKey, command: "deliveries", endpoint })
      expect(deliveries).toHaveLength(12)
      expect(deliveries.every((d: any) => d.status === "succeeded")).toBe(true)
      const perEvent = new Map<string, number>()
      for (const h of receiver.hits) perEvent.set(h.id, (perEvent.get(h.id) ?? 0) + 1)
      expect(perEvent.size).toBe(12)
      // Every event reached the receiver, each signature verified, and only what was in flight at
      // the kill arrived twice: the batch being sent (one delivery here) and, as a batch's outcomes
      // are recorded while the next is sent, at most the batch before it. The first was recorded.
      expect(receiver.hits.every((h) => h.verified)).toBe(true)
      const [first, second, third] = receiver.hits.slice(0, 3).map((h) => h.id)
      expect(perEvent.get(first!)).toBe(1)
      expect(perEvent.get(third!)).toBe(2)
      expect(perEvent.get(second!)).toBeLessThanOrEqual(2)
      expect([...perEvent.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(2)
      expect(receiver.hits).toHaveLength(12 + [...perEvent.values()].filter((n) => n > 1).length)
    }, 120_000)
  }
})
