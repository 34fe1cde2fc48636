/** What other features may use of entitlements (generated from their imports; keep it to that). */
export { Entitlements } from "./Entitlements.js"
export { EntitlementsGroup } from "./http/EntitlementsApi.js"
