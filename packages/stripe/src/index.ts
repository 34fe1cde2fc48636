export { customerKey, makeStripePaymentProvider, type StripeProviderOptions, webhookToleranceSeconds } from "./StripePaymentProvider.js"
export { apiBaseOptions, makeStripeClient, stripeApiVersion, type StripeClientOptions } from "./StripeClient.js"
export { makeStripeAccounts, toProviderObject, type StripeAccountsOptions } from "./accounts/StripeAccounts.js"
