/** What other features may use of invoicing (generated from their imports; keep it to that). */
export { InvoiceDrafts, taxRateFor } from "./InvoiceDrafts.js"
export { Invoices } from "./Invoices.js"
export { InvoiceSubscriptions } from "./InvoiceSubscriptions.js"
export { InvoicePaidHooks } from "./InvoicePaidHooks.js"
export { InvoicesGroup } from "./http/InvoicesApi.js"
export { invoicePdfOf } from "./InvoicePdf.js"
