/** What other features may use of analytics. */
export { Analytics } from "./Analytics.js"
export { AnalyticsGroup } from "./http/AnalyticsApi.js"
export { layerMrrLedger } from "./MrrLedger.js"
