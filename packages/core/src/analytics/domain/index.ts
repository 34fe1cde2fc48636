/** What other features may use of analytics' pure domain. */
export { MrrEntryRecords, MrrStateRecords } from "./Records.js"
export { annualRunRate, mrrOfArr } from "./Mrr.js"
