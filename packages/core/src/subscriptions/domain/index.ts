/** What other features may use of subscriptions's pure domain (generated from their imports; keep it to that). */
export { SubscriptionRecords } from "./Records.js"
export { liveStatuses, Subscription, type SubscriptionStatus } from "./Subscription.js"
export { dueAt } from "./SubscriptionSchedule.js"
