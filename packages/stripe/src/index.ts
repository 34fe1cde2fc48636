export { customerKey, makeStripePaymentProvider, type StripeProviderOptions } from "./StripePaymentProvider.js"
export { apiBaseOptions, makeStripeClient, stripeApiVersion, type StripeClientOptions } from "./StripeClient.js"
