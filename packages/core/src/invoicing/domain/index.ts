/** What other features may use of invoicing's pure domain (generated from their imports; keep it to that). */
export type { DraftLine } from "./DraftLine.js"
export { Invoice, InvoiceItem } from "./Invoice.js"
export type { BillingReason } from "./Invoice.js"
export { InvoiceRecords } from "./Records.js"
export { lineTax } from "./Tax.js"
export { allocate, fixedDiscount, percentageDiscount } from "./Discounts.js"
export { invoiceTotals } from "./InvoiceTotals.js"
