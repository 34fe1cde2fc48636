/** What other features may use of payments's pure domain (generated from their imports; keep it to that). */
export { chargeDescription } from "./Payment.js"
export type { Payment } from "./Payment.js"
export { PaymentRecords, ProviderEventRecords, RefundRecords } from "./Records.js"
