/** What other features may use of subscriptions (generated from their imports; keep it to that). */
export { SubscriptionCycle } from "./SubscriptionCycle.js"
export { Subscriptions } from "./Subscriptions.js"
export { SubscriptionsGroup } from "./http/SubscriptionsApi.js"
export { SubscriptionWrites } from "./SubscriptionWrites.js"
