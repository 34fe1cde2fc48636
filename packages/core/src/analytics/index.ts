/** What other features may use of analytics. */
export { Analytics } from "./Analytics.js"
export { AnalyticsGroup } from "./http/AnalyticsApi.js"
export { ReportsGroup } from "./http/ReportsApi.js"
export { layerMrrLedger } from "./MrrLedger.js"
export { Reports } from "./Reports.js"
