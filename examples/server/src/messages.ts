/** What the server tells its operator on stdout. */
import { describeDatabase, type DatabaseConfig, type StripeConfig } from "./config.js"

const rule = "=".repeat(78)

/** The key exists only hashed after this: frame it so it is not lost in the log. */
export const printApiKeyOnce = (apiKey: string): void => {
  console.log(rule)
  console.log(`Your secret test key (shown once): ${apiKey}`)
  console.log("Store it now: only its hash is kept, it cannot be shown again.")
  console.log(rule)
}

/** One line, parseable by tests and the benchmark: the URL carries the actual port. */
export const printListening = (url: string, database: DatabaseConfig): void => {
  console.log(`Billkit listening on ${url} · database: ${describeDatabase(database)} · docs: ${url}/docs`)
}

/** Which payment provider takes the money: Stripe (and where), or the built-in fake. */
export const printPayments = (stripe: StripeConfig | undefined): void => {
  console.log(stripe === undefined
    ? "Payments: built-in fake provider (test tokens such as tok_visa; set STRIPE_SECRET_KEY for Stripe)"
    : `Payments: Stripe (${stripe.secretKey.slice(0, 8)}…) at ${stripe.apiBase ?? "https://api.stripe.com"}`)
}
