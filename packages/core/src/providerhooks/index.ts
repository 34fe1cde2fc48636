/** What other features may use of inbound provider webhooks. */
export { ProviderHooks, type WebhookResult } from "./ProviderHooks.js"
export { ProviderHooksGroup } from "./http/ProviderHooksApi.js"
