/**
 * Usage rollups in storage, and what they cost: `record` rolls each ingested batch into its
 * rollups; the customer views (usage, costs, entitlements) and usage limits read them; invoicing
 * calls `chargesFor` and `markBilled`. Every read here is a keyed read of a rollup, never a scan
 * of raw events.
 *
 * The service is built from: RollupStore.ts (rollup records, lookups, which periods usage
 * follows), RollupRecording.ts (`record`), RollupBilling.ts (`estimate`, `chargesFor`,
 * `markBilled`) and UsagePricing.ts (what a quantity costs).
 *
 * Late events. When an event changes a rollup some invoice already billed (`markBilled` records
 * what it billed), the rollup's key goes on the customer's pending list; the next `chargesFor` of
 * that subscription adds an adjustment line (new charge − billed amount) and `markBilled` of that
 * line takes it off, so each change is billed exactly once.
 */
import { Effect } from "effect"
import { makeRollupBilling } from "./RollupBilling.js"
import { makeRollupRecording } from "./RollupRecording.js"
import { makeRollupStore } from "./RollupStore.js"

export type { CostLine, Estimate, UsageCharge } from "./RollupBilling.js"

export class UsageRollups extends Effect.Service<UsageRollups>()("@billkit/core/UsageRollups", {
  effect: Effect.gen(function*() {
    const store = yield* makeRollupStore
    const { record } = yield* makeRollupRecording(store)
    const { estimate, chargesFor, markBilled } = makeRollupBilling(store)

    return {
      makeLookup: store.makeLookup,
      liveSubscriptions: store.liveSubscriptions,
      billingSubscription: store.billingSubscription,
      periodAt: store.periodAt,
      readPeriod: store.readPeriod,
      readLevel: store.readLevel,
      quantity: store.quantity,
      record,
      estimate,
      chargesFor,
      markBilled
    } as const
  })
}) {}
