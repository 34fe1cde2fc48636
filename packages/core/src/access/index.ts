/** What other features may use of access (generated from their imports; keep it to that). */
export { ApiKeys } from "./ApiKeys.js"
export { ApiKeysGroup } from "./http/ApiKeysApi.js"
