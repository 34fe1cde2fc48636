export { customerKey, makeStripePaymentProvider, type StripeProviderOptions } from "./StripePaymentProvider.js"
export { makeStripeWebhooks, webhookToleranceSeconds } from "./webhooks/StripeWebhooks.js"
export { apiBaseOptions, makeStripeClient, stripeApiVersion, type StripeClientOptions } from "./StripeClient.js"
export { makeStripeAccounts, toProviderObject, type StripeAccountsOptions } from "./accounts/StripeAccounts.js"
