/**
 * An import at scale, on SQLite and Postgres: an account of 10,000 customers, 10,000
 * subscriptions and 50,000 invoices and charges (with their refunds), synced by a child process
 * (fixture/sync-child.mjs, on the BUILT packages) that is killed with SIGKILL part-way through
 * the invoices. A second process takes the run over once the dead one's lease ran out and
 * finishes it: every object stored once, the counts exact, progress in the log. A re-run then
 * updates all of them and adds none. Needs the built packages: `npm test` builds first.
 */
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { createTestDatabase } from "@billkit/testing"
import { afterAll, describe, expect, it } from "vitest"

const child = fileURLToPath(new URL("./fixture/sync-child.mjs", import.meta.url))

const contents = {
  customers: 10_000, products: 5, prices: 10, subscriptions: 10_000, invoices: 50_000, charges: 50_000,
  refunds: 1_000, balance_transactions: 0
}
const total = Object.values(contents).reduce((a, b) => a + b, 0)
/** Pages of 100 before the invoices: customers, products, prices, subscriptions. */
const pagesBeforeInvoices = 100 + 1 + 1 + 100

/** Runs one command; resolves with its result and output, or "killed" if it was SIGKILLed (`dieAfterPages`). */
const run = (config: Record<string, unknown>): Promise<{ result: any; out: string } | "killed"> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, JSON.stringify({ contents, ...config })], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    proc.stderr.setEncoding("utf8").on("data", (d: string) => (err += d))
    proc.stdout.setEncoding("utf8").on("data", (d: string) => (out += d))
    proc.on("exit", (code, signal) => {
      if (signal === "SIGKILL") return resolve("killed")
      const line = out.split("\n").find((l) => l.startsWith("RESULT "))
      if (code !== 0 || line === undefined) return reject(new Error(`child exited ${code}: ${err}`))
      resolve({ result: JSON.parse(line.slice("RESULT ".length)), out })
    })
  })

const ok = async (config: Record<string, unknown>) => {
  const done = await run(config)
  if (done === "killed") throw new Error("unexpectedly killed")
  return done
}

const cleanup: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
})

const backends = [
  {
    name: "sqlite",
    fresh: async () => {
      const dir = mkdtempSync(join(tmpdir(), "billkit-sync-"))
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

// The two backends side by side: each test spends its time in child processes, one core each.
describe.concurrent("an import of 10,000 customers, 10,000 subscriptions and 50,000 invoices and charges", () => {
  for (const backend of backends) {
    it(`${backend.name}: completes after a kill -9 part-way, counts exact, then re-runs without duplicating`, async () => {
      const base = { dialect: backend.name, database: await backend.fresh() }
      const { result: setup } = await ok({ ...base, command: "setup" })
      const ids = { ...base, apiKey: setup.apiKey, connection: setup.connection, sync: setup.sync }

      // Killed while importing invoices; its lease is 20 s, after which another worker may take over.
      expect(await run({ ...ids, command: "run", leaseMs: 20_000, dieAfterPages: pagesBeforeInvoices + 30 })).toBe("killed")
      const killedAt = Date.now()
      const { result: midway } = await ok({ ...ids, command: "state" })
      expect(midway.sync.status).toBe("running")
      expect(midway.sync.counts).toMatchObject({ customers: 10_000, subscriptions: 10_000 })
      expect(midway.sync.counts.invoices).toBeGreaterThan(2_000)
      expect(midway.sync.counts.invoices).toBeLessThan(50_000)
      const invoicesAtKill = midway.sync.counts.invoices

      // Once the dead worker's lease ran out, the next worker takes the run over.
      await new Promise((r) => setTimeout(r, Math.max(0, killedAt + 20_500 - Date.now())))
      const resumed = await ok({ ...ids, command: "run" })
      // It continued after the last committed page: it fetched at most one page of invoices twice.
      expect(resumed.result.objects).toBeGreaterThanOrEqual(total - 10_000 - 10_000 - 15 - invoicesAtKill)
      expect(resumed.result.objects).toBeLessThanOrEqual(total - 10_000 - 10_000 - 15 - invoicesAtKill + 100)
      expect(resumed.out).toMatch(/sync sync_\w+: invoices 50000 imported, done/)
      expect(resumed.out).toMatch(/sync sync_\w+: succeeded, 10000 customers, 5 products, 10 prices, 10000 subscriptions, 50000 invoices, 50000 charges, 1000 refunds/)

      const { result: done } = await ok({ ...ids, command: "state" })
      expect(done.sync).toMatchObject({ status: "succeeded", counts: contents, errors: [] })
      expect(done.stored).toBe(total)
      expect(done.byType).toEqual(contents)
      const created = done.sync.progress.reduce((sum: number, p: { created: number }) => sum + p.created, 0)
      expect(created).toBe(total)

      // Re-run: every object updated, none added.
      const { result: again } = await ok({ ...ids, command: "start" })
      await ok({ ...ids, command: "run" })
      const { result: rerun } = await ok({ ...ids, sync: again.id, command: "state" })
      expect(rerun.sync).toMatchObject({ status: "succeeded", counts: contents })
      for (const p of rerun.sync.progress) expect(p.created).toBe(0)
      expect(rerun.stored).toBe(total)
    // About 2 minutes per backend on an idle 2-core machine (docs/performance.md, "Stripe import"): 4x that.
    }, 480_000)
  }
})
