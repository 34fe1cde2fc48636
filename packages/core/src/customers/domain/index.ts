/** What other features may use of customers's pure domain (generated from their imports; keep it to that). */
export { Customer } from "./Customer.js"
