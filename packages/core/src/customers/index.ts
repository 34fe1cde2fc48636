/** What other features may use of customers (generated from their imports; keep it to that). */
export { Customers } from "./Customers.js"
export { CustomersGroup } from "./http/CustomersApi.js"
