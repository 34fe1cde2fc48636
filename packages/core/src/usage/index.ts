/** What other features may use of usage (generated from their imports; keep it to that). */
export { Usage } from "./Usage.js"
export { UsageRollups } from "./UsageRollups.js"
export { UsageLimits } from "./UsageLimits.js"
export type { UsageCharge } from "./UsageRollups.js"
export { UsageGroup } from "./http/UsageApi.js"
export { pendingKey, rollupId } from "./domain/UsageRollup.js"
