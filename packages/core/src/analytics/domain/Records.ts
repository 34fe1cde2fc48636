/** How the MRR ledger is stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { MrrEntry, MrrState } from "./MrrEntry.js"

export const MrrEntryRecords = Collections.records({
  collection: Collections.MrrEntries,
  schema: MrrEntry,
  resource: "MRR entry",
  index: (e) => ({ subscription: e.subscription, customer: e.customer, currency: e.currency, at: e.at })
})

export const MrrStateRecords = Collections.records({
  collection: Collections.MrrStates,
  schema: MrrState,
  resource: "MRR state",
  index: (s) => ({ customer: s.customer })
})
