/**
 * Money leaves once through Stripe, across a `kill -9` (house rule 8). A child process
 * (fixture/stripe-child.mjs, on the BUILT packages) bills with the Stripe provider against a fake
 * Stripe in this process. The fake kills the child with SIGKILL the moment Stripe has charged or
 * refunded and before the child hears the answer: the worst moment. A restarted child resumes
 * the pending attempt or refund under its first idempotency key, Stripe replays the first answer,
 * and every invoice ends with exactly one PaymentIntent and one charge, every refund refunds once.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { createTestDatabase, type TestDatabase } from "@billkit/testing"
import { type LoggedCall, startFakeStripe } from "@billkit/testing/stripe"
import { afterAll, describe, expect, it } from "vitest"

const childScript = fileURLToPath(new URL("./fixture/stripe-child.mjs", import.meta.url))

let current: ChildProcess | undefined
/** Which answer to kill the child before (the first POST to this path, once). */
let killBefore: string | undefined

const fake = await startFakeStripe({
  beforeReply: async (call: LoggedCall) => {
    if (killBefore === undefined || call.method !== "POST" || call.path !== killBefore || current === undefined) return
    killBefore = undefined
    const dying = current
    await new Promise<void>((resolve) => {
      dying.once("exit", () => resolve())
      dying.kill("SIGKILL")
    })
  }
})

const cleanup: Array<() => Promise<void> | void> = []
afterAll(async () => {
  for (const step of cleanup.reverse()) await step()
  await fake.close()
})

const run = (config: Record<string, unknown>): Promise<any> =>
  new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [childScript, JSON.stringify({ ...config, stripe: { url: fake.url, secretKey: fake.secretKey } })], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    current = proc
    let out = ""
    let err = ""
    proc.stderr.setEncoding("utf8").on("data", (d: string) => (err += d))
    proc.stdout.setEncoding("utf8").on("data", (d: string) => (out += d))
    proc.on("exit", (code, signal) => {
      if (current === proc) current = undefined
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
      const dir = mkdtempSync(join(tmpdir(), "billkit-stripe-money-"))
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

const intentsOf = (invoiceId: string) =>
  [...fake.store.paymentIntents.values()].filter((pi) => pi.metadata.billkit_idempotency_key?.startsWith(`${invoiceId}:`))

describe("kill -9 between Stripe's answer and Billkit's record", () => {
  for (const backend of backends) {
    describe(backend.name, () => {
      it("the billing loop, killed as Stripe confirms the first PaymentIntent: after a restart each invoice is charged once", async () => {
        const base = { dialect: backend.name, database: await backend.fresh() }
        const { apiKey } = await run({ ...base, command: "setup", trialDays: 14, customers: 3 })
        const createsBefore = fake.store.countCalls("POST", "/v1/payment_intents")
        const callsBefore = fake.store.calls.length
        killBefore = "/v1/payment_intents"
        expect(await run({ ...base, apiKey, command: "advance", to: "2024-01-16T00:00:00Z" })).toBe("killed")
        // Stripe charged once, the child never heard.
        expect(fake.store.countCalls("POST", "/v1/payment_intents")).toBe(createsBefore + 1)

        await run({ ...base, apiKey, command: "advance", to: "2024-01-16T00:01:00Z" })
        const state = await run({ ...base, apiKey, command: "state" })
        expect(state.invoices).toHaveLength(3)
        for (const invoice of state.invoices) {
          expect(invoice).toMatchObject({ status: "paid", total: 2900, amount_paid: 2900, amount_remaining: 0 })
          const intents = intentsOf(invoice.id)
          expect(intents.map((pi) => [pi.status, pi.amount, pi.currency, pi.metadata.billkit_idempotency_key])).toEqual([
            ["succeeded", 2900, "eur", `${invoice.id}:attempt-1`]
          ])
          expect([...fake.store.charges.values()].filter((c) => c.payment_intent === intents[0].id)).toHaveLength(1)
          const payments = state.payments.filter((p: any) => p.invoice === invoice.id)
          expect(payments.map((p: any) => [p.status, p.amount, p.provider_ref])).toEqual([["succeeded", 2900, intents[0].id]])
        }
        // The killed call was asked again under its key and replayed; the other two went once.
        const keyed = fake.store.calls.slice(callsBefore).filter((c) => c.path === "/v1/payment_intents" && c.idempotencyKey?.includes(":attempt-"))
        expect(keyed.filter((c) => c.replayed)).toHaveLength(1)
      }, 120_000)

      it("a refund, killed as Stripe refunds: after a restart the charge is refunded once", async () => {
        const base = { dialect: backend.name, database: await backend.fresh() }
        const { apiKey, subs } = await run({ ...base, command: "setup", trialDays: 0, customers: 1 })
        killBefore = "/v1/refunds"
        expect(await run({
          ...base, apiKey, command: "rest", method: "POST", path: `/v1/subscriptions/${subs[0]}/cancel`,
          body: { when: "instantly", refund_type: "full" }
        })).toBe("killed")
        const pending = await run({ ...base, apiKey, command: "state" })
        expect(pending.refunds.map((r: any) => [r.status, r.amount])).toEqual([["pending", 2900]])

        await run({ ...base, apiKey, command: "advance", to: "2024-01-01T00:01:00Z" })
        const state = await run({ ...base, apiKey, command: "state" })
        expect(state.refunds.map((r: any) => [r.status, r.amount])).toEqual([["succeeded", 2900]])
        const refunds = [...fake.store.refunds.values()].filter((r) => r.metadata?.billkit_refund === state.refunds[0].id)
        expect(refunds.map((r) => [r.amount, r.status])).toEqual([[2900, "succeeded"]])
        expect(state.refunds[0].provider_ref).toBe(refunds[0].id)
        expect(fake.store.charges.get(refunds[0].charge as string)?.amount_refunded).toBe(2900)
      }, 120_000)
    })
  }
})
