/**
 * Worked billing scenarios, once for every storage backend: the same amounts, to the minor unit,
 * on memory, SQLite and Postgres. Each amount is computed by hand in the scenario's comments.
 */
import { describe } from "vitest"
import { scenarioContext } from "./billing/scenarioContext.js"
import { pauseAndSeatRoundingScenarios } from "./billing/pauseAndSeatRounding.js"
import { trialAndRenewalScenarios } from "./billing/trialAndRenewal.js"
import { upgradeProrationScenarios } from "./billing/upgradeProration.js"
import { seatScenarios } from "./billing/seats.js"
import { downgradeNextCycleScenarios } from "./billing/downgradeNextCycle.js"
import { intervalChangeScenarios } from "./billing/intervalChange.js"
import { cancelScenarios } from "./billing/cancel.js"
import { voucherScenarios } from "./billing/voucher.js"
import { taxScenarios } from "./billing/tax.js"
import { dunningScenarios } from "./billing/dunning.js"
import { upcomingInvoiceScenarios } from "./billing/upcomingInvoice.js"
import { oneOffAndCreditScenarios } from "./billing/oneOffAndCredit.js"
import { loopInterleavingScenarios } from "./billing/loopInterleaving.js"
import { timeFilterScenarios } from "./billing/timeFilters.js"
import type { StorageUnderTest } from "./conformance/fixtures.js"

export const billingScenarios = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`billing scenarios: ${name}`, () => {
    const ctx = scenarioContext(`billing scenarios: ${name}`, make)
    trialAndRenewalScenarios(ctx)
    pauseAndSeatRoundingScenarios(ctx)
    upgradeProrationScenarios(ctx)
    seatScenarios(ctx)
    downgradeNextCycleScenarios(ctx)
    intervalChangeScenarios(ctx)
    cancelScenarios(ctx)
    voucherScenarios(ctx)
    taxScenarios(ctx)
    dunningScenarios(ctx)
    upcomingInvoiceScenarios(ctx)
    oneOffAndCreditScenarios(ctx)
    loopInterleavingScenarios(ctx)
    timeFilterScenarios(ctx)
  })
}
