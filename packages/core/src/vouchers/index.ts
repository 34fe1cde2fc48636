/** What other features may use of vouchers (generated from their imports; keep it to that). */
export { Vouchers } from "./Vouchers.js"
export { VouchersGroup } from "./http/VouchersApi.js"
