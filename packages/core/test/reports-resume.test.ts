/**
 * A report run whose worker died mid-run (a deploy, a `kill -9`) is left `running` with a lease
 * that runs out; the next worker (`billing.runReports()`) leaves it alone while the lease lasts,
 * then takes it up after its last committed chunk: the file ends up exactly what an unbroken run
 * writes, no row twice, none lost. Time moves on a clock the test turns. Memory, SQLite, Postgres.
 */
import { Effect, Option } from "effect"
import { makeMemoryStorage, type StoragePort } from "@billkit/core"
import { makePostgresStorage } from "@billkit/postgres"
import { makeSqliteStorage } from "@billkit/sqlite"
import { createTestDatabase, turnedClock } from "@billkit/testing"
import { afterAll, describe, expect, it } from "vitest"
import { makeApp } from "./support.js"

const Payments = { name: "payments", indexed: ["customer", "invoice", "status", "pending_invoice", "created_at"], unique: ["pending_invoice"] }
const Reports = { name: "reports", indexed: ["status"], unique: [] }
const ReportChunks = { name: "report_chunks", indexed: ["report"], unique: [] }

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const time10 = (ms: number) => {
  let out = ""
  for (let i = 0, rest = ms; i < 10; i++, rest = Math.floor(rest / 32)) out = alphabet[rest % 32] + out
  return out
}
const paymentId = (ms: number, n: number) => `pay_${time10(ms)}${String(n).padStart(16, "0")}`

const backends: Array<[string, () => Promise<StoragePort>]> = [
  ["memory", async () => makeMemoryStorage()],
  ["sqlite", async () => {
    const sqlite = makeSqliteStorage({ filename: ":memory:" })
    await sqlite.migrate()
    return sqlite.storage
  }],
  ["postgres", async () => {
    const database = await createTestDatabase()
    const postgres = makePostgresStorage({ connectionString: database.url, max: 4 })
    await postgres.migrate()
    closers.push(async () => {
      await postgres.close()
      await database.drop()
    })
    return postgres.storage
  }]
]

const closers: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const close of closers) await close()
})

describe.each(backends)("report runs whose worker died (%s)", (_name, storageOf) => {
  it("are taken up after their lease, from the last committed chunk, into the file an unbroken run writes", async () => {
    const start = Date.parse("2024-03-01T00:00:00Z")
    const { clock, advance } = turnedClock(start)
    const { app, projectId, storage, call } = await makeApp({ storage: await storageOf(), clock })
    const tenant = { projectId, mode: "test" as const }
    try {
      // 2,500 payments: three pages of the source, three chunks of the file.
      const ids = Array.from({ length: 2500 }, (_, i) => paymentId(start - 86_400_000, i))
      await Effect.runPromise(storage.insertMany(Payments, tenant, ids.map((id, i) => {
        const data = {
          id, object: "payment", customer: "cus_report", invoice: null, amount: 1000 + i, currency: "EUR", status: "succeeded",
          payment_method: null, failure_code: null, failure_message: null, amount_refunded: 0, provider_ref: null,
          attempt: null, idempotency_key: null, automatic: false, created_at: new Date(start - 86_400_000).toISOString()
        }
        return { id, data, index: { customer: data.customer, invoice: null, status: data.status, pending_invoice: null, created_at: data.created_at } }
      })))

      // An unbroken run, for reference.
      const whole = (await call("POST", "/v1/reports", { type: "payments" })).json
      for (let i = 0; i < 200 && (await call("GET", `/v1/reports/${whole.id}`)).json.status === "running"; i++) await new Promise((r) => setTimeout(r, 10))
      const fileOf = async (id: string) => (await call("GET", `/v1/reports/${id}/file`)).text
      const expected = await fileOf(whole.id)
      expect(expected.split("\r\n").length).toBe(2500 + 2) // header, rows, and the empty string after the last CRLF

      // What a worker killed after its first chunk leaves: the run `running`, one chunk and its
      // cursor committed, a lease that runs out a minute after its last commit.
      const deadId = whole.id.replace(/.$/, (c: string) => (c === "0" ? "1" : "0"))
      const firstChunk = (await Effect.runPromise(storage.list(ReportChunks, tenant, { where: { report: whole.id }, limit: 1 }))).data[0]
      await Effect.runPromise(storage.insert(ReportChunks, tenant, { id: `${deadId}:00000000`, data: { ...firstChunk, id: `${deadId}:00000000`, report: deadId }, index: { report: deadId } }))
      const wholeStored = Option.getOrThrow(await Effect.runPromise(storage.get(Reports, tenant, whole.id)))
      await Effect.runPromise(storage.insert(Reports, tenant, {
        id: deadId,
        data: { ...wholeStored, id: deadId, status: "running", rows: 1000, finished: null, chunks: 1, resume_after: ids[999], lease_until: new Date(start + 60_000).toISOString() },
        index: { status: "running" }
      }))

      // While the lease lasts, the next worker leaves the run alone.
      advance(59_000)
      expect(await app.runReports()).toBe(0)
      expect((await call("GET", `/v1/reports/${deadId}`)).json).toMatchObject({ status: "running", rows: 1000 })
      // Once it ran out, the run is taken up and finished; the file is the unbroken run's.
      advance(2_000)
      expect(await app.runReports()).toBe(1)
      const resumed = (await call("GET", `/v1/reports/${deadId}`)).json
      expect(resumed).toMatchObject({ status: "succeeded", rows: 2500, finished: new Date(start + 61_000).toISOString() })
      // Internal progress never reaches the wire.
      expect(Object.keys(resumed)).not.toContain("lease_until")
      expect(await fileOf(deadId)).toBe(expected)
      // Done runs are not taken up again.
      advance(120_000)
      expect(await app.runReports()).toBe(0)
    } finally {
      await app.dispose()
    }
  }, 120_000)
})
