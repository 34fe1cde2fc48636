/**
 * The deterministic simulation (bench/simulation) at a small size: customers subscribing,
 * changing plan, seats and interval, cancelling, pausing, reporting usage and paying with cards
 * that sometimes decline, for two years on the test clock. The same seed must give the same
 * ledger byte for byte, on every backend, and no invariant may break along the way.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { makeMemoryStorage } from "@billkit/core"
import { makePostgresStorage } from "@billkit/postgres"
import { makeSqliteStorage } from "@billkit/sqlite"
import { createTestDatabase } from "@billkit/testing"
import { describe, expect, it } from "vitest"
import { makeChecker } from "../bench/simulation/invariants.mjs"
import { type SimulationResult, simulate } from "../bench/simulation/simulate.mjs"

const size = { subscriptions: 50, years: 2, seed: 20261130 }
// Minutes under load on a shared machine: the run is long, not slow per step.
const timeout = 600_000

const onSqlite = async (): Promise<SimulationResult> => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-simulation-test-"))
  const sqlite = makeSqliteStorage({ filename: join(dir, "billkit.db") })
  try {
    await sqlite.migrate()
    return await simulate({ storage: sqlite.storage, ...size })
  } finally {
    await sqlite.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** What every run must show: a busy ledger, every invariant held, nothing left unanswered. */
const sound = (result: SimulationResult, of: { subscriptions: number; years: number } = size) => {
  expect(result.violations).toEqual([])
  expect(result.unanswered).toEqual([])
  expect(result.periods).toBe(1 + 12 * of.years)
  // Renewals, changes and cancellations (and, at full size, their refunds) all happened.
  expect(result.counts.invoices).toBeGreaterThan(of.subscriptions * 12 * of.years * 0.5)
  if (of === size) expect(result.counts.refunds).toBeGreaterThan(0)
  expect(result.customers).toBeGreaterThan(of.subscriptions)
  expect(result.checked.invoicesChecked).toBe(result.counts.invoices)
  expect(result.sha256).toMatch(/^[0-9a-f]{64}$/)
}

describe("simulation", () => {
  let memory: SimulationResult
  it("two years of 50 subscriptions on memory hold every invariant", { timeout }, async () => {
    memory = await simulate({ storage: makeMemoryStorage(), ...size })
    sound(memory)
  })

  it("the same seed gives the same ledger, byte for byte, on SQLite", { timeout }, async () => {
    const first = await onSqlite()
    sound(first)
    const second = await onSqlite()
    expect(second.sha256).toBe(first.sha256)
    expect(second.counts).toEqual(first.counts)
    expect(first.sha256).toBe(memory.sha256)
  })

  it("and on Postgres", { timeout }, async () => {
    const database = await createTestDatabase()
    const postgres = makePostgresStorage({ connectionString: database.url, max: 4 })
    try {
      await postgres.migrate()
      const result = await simulate({ storage: postgres.storage, ...size })
      sound(result)
      expect(result.sha256).toBe(memory.sha256)
    } finally {
      await postgres.close()
      await database.drop()
    }
  })

  it("another seed gives another ledger", { timeout }, async () => {
    const small = { subscriptions: 20, years: 1 }
    const other = await simulate({ storage: makeMemoryStorage(), ...small, seed: size.seed + 1 })
    sound(other, small)
    expect(other.sha256).not.toBe(memory.sha256)
  })
})

// The checker itself must catch what it is there to catch.
describe("simulation invariants", () => {
  const at = Date.parse("2030-02-01T00:00:00Z")
  const line = (sub: string, start: string, end: string, total: number) => ({
    type: "subscription", subscription: sub, period: { start, end }, sub_total: total, discount: 0, tax_total: 0, total
  })
  const invoice = (id: string, number: string | null, lines: ReadonlyArray<ReturnType<typeof line>>, overrides: Record<string, unknown> = {}) => {
    const total = lines.reduce((a, l) => a + l.total, 0)
    return {
      id, number, status: number === null ? "draft" : "paid", lines, total, sub_total: total, tax_total: 0, discount_total: 0,
      balance_applied: 0, amount_due: total, amount_paid: number === null ? 0 : total, amount_remaining: 0, ...overrides
    }
  }
  const jan = line("sub_a", "2030-01-01T00:00:00.000Z", "2030-02-01T00:00:00.000Z", 1000)
  const feb = line("sub_a", "2030-02-01T00:00:00.000Z", "2030-03-01T00:00:00.000Z", 1000)
  const mar = line("sub_a", "2030-03-01T00:00:00.000Z", "2030-04-01T00:00:00.000Z", 1000)

  it("accepts periods that tile time, numbered without gaps", () => {
    const checker = makeChecker()
    checker.invoice(invoice("inv_1", "INV-000001", [jan]), at)
    checker.invoice(invoice("inv_2", "INV-000002", [feb]), at)
    checker.gapless(at)
    checker.subscription({ id: "sub_a", status: "active", paused_at: null, current_period_end: "2030-03-01T00:00:00.000Z" }, at)
    expect(checker.violations).toEqual([])
  })

  it("catches a period billed twice, one skipped, and a current period never billed", () => {
    const checker = makeChecker()
    checker.invoice(invoice("inv_1", "INV-000001", [jan]), at)
    checker.invoice(invoice("inv_2", "INV-000002", [jan]), at)
    checker.invoice(invoice("inv_3", "INV-000003", [mar]), at)
    checker.subscription({ id: "sub_a", status: "active", paused_at: null, current_period_end: "2030-05-01T00:00:00.000Z" }, at)
    expect(checker.violations.map((v) => v.what)).toEqual(["periods", "periods", "periods"])
    expect(checker.violations[0].detail).toContain("billed twice")
    expect(checker.violations[1].detail).toContain("skipped")
  })

  it("catches totals that do not add up and numbers with a gap or issued twice", () => {
    const checker = makeChecker()
    checker.invoice(invoice("inv_1", "INV-000001", [jan], { total: 999 }), at)
    checker.invoice(invoice("inv_2", "INV-000003", [feb]), at)
    checker.invoice(invoice("inv_3", "INV-000003", [mar]), at)
    checker.gapless(at)
    expect(checker.violations.map((v) => v.detail)).toEqual([
      "inv_1: total ≠ Σ line totals",
      "INV-000003 issued twice",
      "INV-: 2 numbers issued, highest 3"
    ])
  })

  it("catches refunds beyond what the payment took", () => {
    const checker = makeChecker()
    const payment = { id: "pay_1", status: "succeeded", amount: 1000, amount_refunded: 1000 }
    checker.refund({ id: "re_1", payment: "pay_1", amount: 600, status: "succeeded" }, payment, at)
    checker.refund({ id: "re_2", payment: "pay_1", amount: 400, status: "succeeded" }, payment, at)
    expect(checker.violations).toEqual([])
    checker.refund({ id: "re_3", payment: "pay_1", amount: 1, status: "pending" }, payment, at)
    expect(checker.violations.map((v) => v.detail)).toEqual(["pay_1: refunded 1001 of 1000"])
  })
})
