/**
 * The Stripe SDK client Billkit uses: the API version pinned (responses keep the shapes this
 * package was written against, whatever the account's default), the SDK's network retries on,
 * and an optional API base (`STRIPE_API_BASE`: a Stripe-compatible server such as stripe-mock or
 * `billkit-fake-stripe`).
 */
import Stripe from "stripe"

/** The Stripe API version every request sends (`Stripe-Version`). */
export const stripeApiVersion = "2026-10-28.endive" as const

export interface StripeClientOptions {
  readonly secretKey: string
  /** e.g. `http://127.0.0.1:12111`; default Stripe's own API. */
  readonly apiBase?: string
  /** The SDK retries network failures and 429/5xx answers this many times. Default 2. */
  readonly maxNetworkRetries?: number
  /** Per request, milliseconds. Default 30 000. */
  readonly timeoutMs?: number
}

/** `http://127.0.0.1:12111` → the SDK's `{ host, port, protocol }`. */
export const apiBaseOptions = (apiBase: string): Pick<Stripe.StripeConfig, "host" | "port" | "protocol"> => {
  const url = new URL(apiBase)
  const protocol = url.protocol === "http:" ? "http" : "https"
  return { host: url.hostname, port: url.port === "" ? (protocol === "http" ? 80 : 443) : Number(url.port), protocol }
}

export const makeStripeClient = (options: StripeClientOptions): Stripe =>
  new Stripe(options.secretKey, {
    apiVersion: stripeApiVersion,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 30_000,
    appInfo: { name: "Billkit", url: "https://github.com/billkit" },
    ...(options.apiBase === undefined ? {} : apiBaseOptions(options.apiBase))
  })
