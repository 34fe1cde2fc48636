/** What other features may use of webhooks (generated from their imports; keep it to that). */
export { WebhooksGroup } from "./http/WebhooksApi.js"
