/** What other features may use of access's pure domain (generated from their imports; keep it to that). */
export { holdsScope } from "./ApiKey.js"
