/** What other features may use of balances (generated from their imports; keep it to that). */
export { Balances } from "./Balances.js"
export { BalancesGroup } from "./http/BalancesApi.js"
export { balanceKey } from "./domain/Records.js"
