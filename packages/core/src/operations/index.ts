/** What other features may use of operations (generated from their imports; keep it to that). */
export { TestClocks } from "./TestClocks.js"
export { TestClockGroup } from "./http/TestClockApi.js"
