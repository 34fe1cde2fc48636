/** How the MRR ledger is stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { MrrCustomer, MrrDay, MrrEntry, MrrState, RevenueDay } from "./MrrEntry.js"
import { ReportChunk, StoredReport } from "./Report.js"

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

export const MrrDayRecords = Collections.records({
  collection: Collections.MrrDays,
  schema: MrrDay,
  resource: "MRR day",
  index: (d) => ({ currency: d.currency, day: d.day })
})

export const MrrCustomerRecords = Collections.records({
  collection: Collections.MrrCustomers,
  schema: MrrCustomer,
  resource: "MRR customer",
  index: (c) => ({ customer: c.customer })
})

export const RevenueDayRecords = Collections.records({
  collection: Collections.RevenueDays,
  schema: RevenueDay,
  resource: "revenue day",
  index: (d) => ({ currency: d.currency, day: d.day })
})

export const ReportRecords = Collections.records({
  collection: Collections.Reports,
  schema: StoredReport,
  resource: "report",
  index: (r) => ({ status: r.status })
})

export const ReportChunkRecords = Collections.records({
  collection: Collections.ReportChunks,
  schema: ReportChunk,
  resource: "report chunk",
  index: (c) => ({ report: c.report })
})
