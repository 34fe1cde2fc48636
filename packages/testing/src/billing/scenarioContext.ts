/**
 * The lifecycle shared by the scenario suites (billing, usage): connect to the storage under
 * test once, and give each scenario a fresh Billkit on emptied storage, disposed after it.
 */
import { afterAll, afterEach, beforeAll } from "vitest"
import type { BillingSettings, PaymentProviderService } from "@billkit/core"
import type { StorageUnderTest } from "../conformance/fixtures.js"
import type { ScenarioContext } from "./context.js"
import { makeHarness, type Harness } from "./harness.js"

export interface ScenarioOptions {
  /** A payment provider for each scenario's Billkit (default: the built-in fake). */
  readonly paymentProvider?: () => PaymentProviderService
}

/** Call inside a `describe`: registers the hooks and returns the context the scenarios use. */
export const scenarioContext = (
  suite: string,
  make: () => Promise<StorageUnderTest>,
  options: ScenarioOptions = {}
): ScenarioContext => {
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
  return {
    harness: async (start: string, billing: Partial<BillingSettings> = {}) => {
      if (underTest === undefined) throw new Error(`${suite}: make() has not completed`)
      await underTest.reset()
      const h = await makeHarness(underTest.storage, start, billing, { paymentProvider: options.paymentProvider?.() })
      open.push(h)
      return h
    }
  }
}
