/**
 * Money leaves once across a `kill -9` (house rule 8). A child process (fixture/money-child.mjs,
 * on the BUILT packages) bills on SQLite or Postgres with a Stripe-like provider whose ledger is
 * an append-only file outside it; the provider, having moved money, tells the parent and waits,
 * and the parent kills it with SIGKILL: between the provider call and the record. A restarted
 * process resumes the pending attempt or refund under its first key, so the provider answers
 * with the first outcome: every invoice has exactly one successful charge, recorded once, and
 * every refund moves money once. (Here rather than in packages/sqlite because both dialects run
 * the same cases and the Postgres test server is set up for this package's tests.) Needs the
 * built packages: `npm test` builds first.
 */
import { spawn } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { createTestDatabase, type TestDatabase } from "@billkit/testing"
import { afterAll, describe, expect, it } from "vitest"

const child = fileURLToPath(new URL("./fixture/money-child.mjs", import.meta.url))

interface Entry {
  readonly kind: "charge" | "refund"
  readonly key: string
  readonly body: ReadonlyArray<unknown>
  readonly outcome: { readonly status: string }
  readonly first: boolean
}

/** Runs one command; resolves with its result, or "killed" once it signalled and was SIGKILLed. */
const run = (config: Record<string, unknown>): Promise<any> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, JSON.stringify(config)], { stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    proc.stderr.setEncoding("utf8").on("data", (d: string) => (err += d))
    proc.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d
      // The provider moved money and now waits: kill the process before it records anything.
      if (/^MOVED /m.test(out) && proc.exitCode === null && !proc.killed) proc.kill("SIGKILL")
    })
    proc.on("exit", (code, signal) => {
      if (signal === "SIGKILL") return resolve("killed")
      const line = out.split("\n").find((l) => l.startsWith("RESULT "))
      if (code !== 0 || line === undefined) return reject(new Error(`child exited ${code}: ${err}`))
      resolve(JSON.parse(line.slice("RESULT ".length)))
    })
  })

const ledgerOf = (file: string): Array<Entry> =>
  existsSync(file) ? readFileSync(file, "utf8").split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)) : []

/**
 * Every invoice of `state` paid 2,900 in full (and matching `more`); at the provider, one key for
 * it and one charge that moved money; in Billkit, one payment, succeeded, recorded once.
 */
const expectEachPaidOnce = (state: { invoices: Array<any>; payments: Array<any> }, charges: ReadonlyArray<Entry>, more: Record<string, unknown> = {}) => {
  for (const invoice of state.invoices) {
    expect(invoice).toMatchObject({ status: "paid", total: 2900, amount_paid: 2900, amount_remaining: 0, ...more })
    const mine = charges.filter((e) => e.key.startsWith(`${invoice.id}:`))
    expect([...new Set(mine.map((e) => e.key))]).toEqual([`${invoice.id}:attempt-1`])
    expect(mine.filter((e) => e.first)).toHaveLength(1)
    const payments = state.payments.filter((p) => p.invoice === invoice.id)
    expect(payments.map((p) => [p.status, p.amount, p.idempotency_key])).toEqual([["succeeded", 2900, `${invoice.id}:attempt-1`]])
  }
}

const cleanup: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
})

const backends: ReadonlyArray<{ name: string; fresh: () => Promise<string> }> = [
  {
    name: "sqlite",
    fresh: async () => {
      const dir = mkdtempSync(join(tmpdir(), "billkit-money-"))
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
      return join(dir, "billing.db")
    }
  },
  {
    name: "postgres",
    fresh: async () => {
      const database: TestDatabase = await createTestDatabase()
      cleanup.push(database.drop)
      return database.url
    }
  }
]

const tempLedger = () => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-ledger-"))
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, "ledger.jsonl")
}

describe("kill -9 between the provider call and the record", () => {
  for (const backend of backends) {
    describe(backend.name, () => {
      // Three trials end together on 15 Jan: one batch. Killed after the 1st, then the 3rd charge.
      for (const killAfter of [1, 3]) {
        it(`the billing loop, killed after charge ${killAfter} of 3: after a restart each invoice is paid once, under one key`, async () => {
          const base = { dialect: backend.name, database: await backend.fresh(), ledger: tempLedger() }
          const { apiKey, subs } = await run({ ...base, command: "setup", trialDays: 14, customers: 3 })
          expect(await run({ ...base, apiKey, command: "advance", to: "2024-01-16T00:00:00Z", hangAfter: killAfter })).toBe("killed")
          const killed = ledgerOf(base.ledger)
          expect(killed).toHaveLength(killAfter)

          // Restart: the next run resumes what was left pending, with the same keys.
          await run({ ...base, apiKey, command: "advance", to: "2024-01-16T00:01:00Z" })
          const state = await run({ ...base, apiKey, command: "state" })
          const charges = ledgerOf(base.ledger).filter((e) => e.kind === "charge")
          expect(state.invoices).toHaveLength(3)
          expectEachPaidOnce(state, charges, { paid_at: "2024-01-15T00:00:00.000Z" })
          // Outcomes are recorded after the batch's calls, so the kill left all three pending:
          // the calls made before it were asked again under their own keys (the provider
          // answered with the first outcome), the others for the first time.
          expect(charges).toHaveLength(killAfter + 3)
          expect(charges.filter((e) => !e.first).map((e) => e.key).sort()).toEqual(killed.map((e) => e.key).sort())
          expect(subs).toHaveLength(3)
        }, 60_000)
      }

      // Four trials end on 15 Jan; the loop runs at 16 Jan in batches of two, so while the first
      // batch's charges are out, the second batch is billed. Killed after the 1st charge (the
      // second batch billed, or being billed) and after the 3rd (the second batch's money out).
      for (const killAfter of [1, 3]) {
        it(`runBilling() overlapping batches, killed after charge ${killAfter} of 4: after a restart each invoice is paid once, under one key`, async () => {
          const base = { dialect: backend.name, database: await backend.fresh(), ledger: tempLedger() }
          const { apiKey } = await run({ ...base, command: "setup", trialDays: 14, customers: 4 })
          const loop = { ...base, apiKey, command: "run", now: "2024-01-16T00:00:00Z", batchSize: 2 }
          expect(await run({ ...loop, hangAfter: killAfter })).toBe("killed")
          expect(ledgerOf(base.ledger)).toHaveLength(killAfter)

          const restarted = await run(loop)
          expect(restarted.failed).toEqual([])
          const state = await run({ ...base, apiKey, command: "state" })
          const charges = ledgerOf(base.ledger).filter((e) => e.kind === "charge")
          expect(state.invoices).toHaveLength(4)
          expectEachPaidOnce(state, charges)
          expect(charges.filter((e) => e.first)).toHaveLength(4)
          // Nothing left due: a third run bills nothing and charges no one.
          expect(await run(loop)).toEqual({ steps: 0, failed: [], batchesRedone: 0 })
          expect(ledgerOf(base.ledger).filter((e) => e.kind === "charge")).toHaveLength(charges.length)
        }, 60_000)
      }

      it("a refund (cancel with refund_type full), killed after the provider refunded: after a restart it is refunded once, recorded once", async () => {
        const base = { dialect: backend.name, database: await backend.fresh(), ledger: tempLedger() }
        // No trial: each subscription is charged 2900 at creation.
        const { apiKey, subs } = await run({ ...base, command: "setup", trialDays: 0, customers: 1 })
        expect(await run({
          ...base, apiKey, command: "rest", method: "POST", path: `/v1/subscriptions/${subs[0]}/cancel`,
          body: { when: "instantly", refund_type: "full" }, hangAfter: 1
        })).toBe("killed")
        const pendingState = await run({ ...base, apiKey, command: "state" })
        // The refund's intent committed (2900 reserved) before the provider was called.
        expect(pendingState.refunds.map((r: any) => [r.status, r.amount])).toEqual([["pending", 2900]])
        expect(pendingState.payments[0]).toMatchObject({ amount: 2900, amount_refunded: 2900 })

        await run({ ...base, apiKey, command: "advance", to: "2024-01-01T00:01:00Z" })
        const state = await run({ ...base, apiKey, command: "state" })
        const refunds = ledgerOf(base.ledger).filter((e) => e.kind === "refund")
        expect(state.refunds.map((r: any) => [r.status, r.amount])).toEqual([["succeeded", 2900]])
        expect(refunds.map((e) => [e.key, e.first])).toEqual([[state.refunds[0].id, true], [state.refunds[0].id, false]])
        expect(state.payments.map((p: any) => [p.status, p.amount, p.amount_refunded])).toEqual([["succeeded", 2900, 2900]])

        // A second refund of the same payment is refused: nothing is left to refund.
        await expect(run({
          ...base, apiKey, command: "rest", method: "POST", path: `/v1/payments/${state.payments[0].id}/refunds`, body: { amount: 1 }
        })).rejects.toThrow(/409/)
      }, 60_000)

      it("a refund by POST /v1/payments/{id}/refunds, killed after the provider refunded, is resumed under its key", async () => {
        const base = { dialect: backend.name, database: await backend.fresh(), ledger: tempLedger() }
        await run({ ...base, command: "setup", trialDays: 0, customers: 1 }).then(async ({ apiKey }) => {
          const before = await run({ ...base, apiKey, command: "state" })
          const payment = before.payments[0]
          expect(await run({
            ...base, apiKey, command: "rest", method: "POST", path: `/v1/payments/${payment.id}/refunds`, body: { amount: 1000 }, hangAfter: 1
          })).toBe("killed")
          await run({ ...base, apiKey, command: "advance", to: "2024-01-01T00:01:00Z" })
          const state = await run({ ...base, apiKey, command: "state" })
          expect(state.refunds.map((r: any) => [r.status, r.amount])).toEqual([["succeeded", 1000]])
          expect(state.payments[0]).toMatchObject({ amount: 2900, amount_refunded: 1000 })
          const refunds = ledgerOf(base.ledger).filter((e) => e.kind === "refund")
          expect(refunds.filter((e) => e.first).map((e) => e.key)).toEqual([state.refunds[0].id])
          expect(refunds).toHaveLength(2)
        })
      }, 60_000)
    })
  }
})
