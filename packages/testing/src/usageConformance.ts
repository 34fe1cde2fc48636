/**
 * Usage metering, once for every storage backend: aggregations from rollups, deduplication (also
 * under concurrent identical posts), batches, charge models on invoices, late events and limits,
 * with the same hand-computed values on memory, SQLite and Postgres.
 */
import { describe } from "vitest"
import { scenarioContext } from "./billing/scenarioContext.js"
import type { StorageUnderTest } from "./conformance/fixtures.js"
import { aggregationScenarios } from "./usage/aggregations.js"
import { chargingScenarios } from "./usage/charging.js"
import { ingestionScenarios } from "./usage/ingestion.js"

export const usageConformance = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`usage conformance: ${name}`, () => {
    const ctx = scenarioContext(`usage conformance: ${name}`, make)
    aggregationScenarios(ctx)
    ingestionScenarios(ctx)
    chargingScenarios(ctx)
  })
}
