/** What other features may use of usage's pure domain (generated from their imports; keep it to that). */
export { UsageEventRecords } from "./Records.js"
