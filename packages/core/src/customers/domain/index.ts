/** What other features may use of customers's pure domain (generated from their imports; keep it to that). */
export type { Customer } from "./Customer.js"
export { CustomerRecords } from "./Records.js"
