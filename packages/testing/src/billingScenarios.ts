/**
 * Worked billing scenarios, once for every storage backend: the same amounts, to the minor unit,
 * on memory, SQLite and Postgres. Each amount is computed by hand in the scenario's comments.
 */
import { describe } from "vitest"
import { scenarioContext, type ScenarioOptions } from "./billing/scenarioContext.js"
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

/** The scenario groups, by name: a feature's own test file runs its groups on memory. */
export const billingScenarioGroups = {
  trialAndRenewal: trialAndRenewalScenarios,
  pauseAndSeatRounding: pauseAndSeatRoundingScenarios,
  upgradeProration: upgradeProrationScenarios,
  seats: seatScenarios,
  downgradeNextCycle: downgradeNextCycleScenarios,
  intervalChange: intervalChangeScenarios,
  cancel: cancelScenarios,
  voucher: voucherScenarios,
  tax: taxScenarios,
  dunning: dunningScenarios,
  upcomingInvoice: upcomingInvoiceScenarios,
  oneOffAndCredit: oneOffAndCreditScenarios,
  loopInterleaving: loopInterleavingScenarios,
  timeFilters: timeFilterScenarios
} as const

export type BillingScenarioGroup = keyof typeof billingScenarioGroups

/** Every group (or only the named ones) on one backend. */
export const billingScenarios = (
  name: string,
  make: () => Promise<StorageUnderTest>,
  only?: ReadonlyArray<BillingScenarioGroup>,
  options: ScenarioOptions = {}
): void => {
  const groups = only ?? (Object.keys(billingScenarioGroups) as Array<BillingScenarioGroup>)
  const title = only === undefined ? `billing scenarios: ${name}` : `billing scenarios (${groups.join(", ")}): ${name}`
  describe(title, () => {
    const ctx = scenarioContext(title, make, options)
    for (const group of groups) billingScenarioGroups[group](ctx)
  })
}
