/** What each billing scenario section receives: a harness on the storage under test. */
import type { BillingSettings } from "@billkit/core"
import type { Harness } from "./harness.js"

export interface ScenarioContext {
  /** A fresh Billkit on emptied storage, with real time pinned at `start`. */
  readonly harness: (start: string, billing?: Partial<BillingSettings>) => Promise<Harness>
}
