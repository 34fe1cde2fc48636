/**
 * SQLite's batch size follows a time budget per transaction (operations/BillingLoop): it grows
 * while batches are quick, shrinks when they are slow, by at most twice per batch, and stays
 * between `sqliteBatchSize` (the connection is then held as briefly as before) and the maximum.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { nextSqliteBatchSize, sqliteBatchBudgetMs, sqliteBatchSize, sqliteMaxBatchSize } from "../src/operations/BillingLoop.js"

describe("SQLite batch size", () => {
  it("doubles while a batch takes under half the budget, and holds at the budget", () => {
    expect(nextSqliteBatchSize(8, sqliteBatchBudgetMs / 4)).toBe(16)
    expect(nextSqliteBatchSize(16, sqliteBatchBudgetMs)).toBe(16)
    expect(nextSqliteBatchSize(64, 0)).toBe(sqliteMaxBatchSize)
  })

  it("shrinks a slow batch, at most by half, never below the base size", () => {
    expect(nextSqliteBatchSize(40, 2 * sqliteBatchBudgetMs)).toBe(20)
    expect(nextSqliteBatchSize(40, 100 * sqliteBatchBudgetMs)).toBe(20)
    expect(nextSqliteBatchSize(sqliteBatchSize, 100 * sqliteBatchBudgetMs)).toBe(sqliteBatchSize)
  })

  it("stays within its bounds and moves at most twofold, whatever the timing", () => {
    fc.assert(fc.property(fc.integer({ min: sqliteBatchSize, max: sqliteMaxBatchSize }), fc.double({ min: 0, max: 10_000, noNaN: true }), (size, ms) => {
      const next = nextSqliteBatchSize(size, ms)
      expect(Number.isInteger(next)).toBe(true)
      expect(next).toBeGreaterThanOrEqual(sqliteBatchSize)
      expect(next).toBeLessThanOrEqual(sqliteMaxBatchSize)
      expect(next).toBeLessThanOrEqual(2 * size)
      expect(next).toBeGreaterThanOrEqual(Math.min(Math.floor(size / 2), sqliteMaxBatchSize))
    }))
  })
})
