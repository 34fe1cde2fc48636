/**
 * Usage metering, once for every storage backend: aggregations from rollups, deduplication (also
 * under concurrent identical posts), batches, charge models on invoices, late events and limits,
 * with the same hand-computed values on memory, SQLite and Postgres.
 */
import { afterAll, afterEach, beforeAll, describe } from "vitest"
import type { BillingSettings } from "@billkit/core"
import type { ScenarioContext } from "./billing/context.js"
import { makeHarness, type Harness } from "./billing/harness.js"
import type { StorageUnderTest } from "./conformance/fixtures.js"
import { aggregationScenarios } from "./usage/aggregations.js"
import { chargingScenarios } from "./usage/charging.js"
import { ingestionScenarios } from "./usage/ingestion.js"

export const usageConformance = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`usage conformance: ${name}`, () => {
    let underTest: StorageUnderTest | undefined
    const open: Array<Harness> = []
    beforeAll(async () => {
      underTest = await make()
    })
    afterEach(async () => {
      for (const h of open.splice(0)) await h.dispose()
    })
    afterAll(async () => {
      await underTest?.close()
    })
    const ctx: ScenarioContext = {
      harness: async (start: string, billing: Partial<BillingSettings> = {}) => {
        if (underTest === undefined) throw new Error(`usage conformance: ${name}: make() has not completed`)
        await underTest.reset()
        const h = await makeHarness(underTest.storage, start, billing)
        open.push(h)
        return h
      }
    }
    aggregationScenarios(ctx)
    ingestionScenarios(ctx)
    chargingScenarios(ctx)
  })
}
