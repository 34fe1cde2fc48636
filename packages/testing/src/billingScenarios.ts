/**
 * Worked billing scenarios, once for every storage backend: the same amounts, to the minor unit,
 * on memory, SQLite and Postgres. Each amount is computed by hand in the scenario's comments.
 */
import { afterAll, afterEach, beforeAll, describe } from "vitest"
import type { BillingSettings } from "@billkit/core"
import type { ScenarioContext } from "./billing/context.js"
import { makeHarness, type Harness } from "./billing/harness.js"
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
import type { StorageUnderTest } from "./conformance/fixtures.js"

export const billingScenarios = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`billing scenarios: ${name}`, () => {
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
        if (underTest === undefined) throw new Error(`billing scenarios: ${name}: make() has not completed`)
        await underTest.reset()
        const h = await makeHarness(underTest.storage, start, billing)
        open.push(h)
        return h
      }
    }
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
  })
}
