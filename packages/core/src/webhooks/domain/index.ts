/** What other features may use of webhooks' domain. */
export { matchesEvent } from "./Schedule.js"
