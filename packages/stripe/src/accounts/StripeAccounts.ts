/**
 * Connections' port (`ProviderAccountsService`) on the `stripe` SDK: checks a connection's key by
 * retrieving its account, and lists the account's objects a page at a time for imports. One SDK
 * client per key (a project may connect several accounts), made on first use. A key Stripe
 * refuses is `KeyRejected`; a 429 left after the SDK's own retries is `ProviderRateLimited`
 * (the sync backs off and asks again); anything else is a defect, which fails the run.
 */
import { Effect } from "effect"
import Stripe from "stripe"
import {
  KeyRejected, ProviderCallFailed, ProviderRateLimited,
  type ProviderAccountsService, type ProviderObject, type SyncedType
} from "@billkit/core"
import { makeStripeClient } from "../StripeClient.js"
import { makeStripeWebhooks } from "../webhooks/StripeWebhooks.js"

export interface StripeAccountsOptions {
  /** A Stripe-compatible server (`STRIPE_API_BASE`), e.g. the fake; default Stripe's own API. */
  readonly apiBase?: string
  /** The SDK's retries of network failures, 429s and 5xx. Default 2. */
  readonly maxNetworkRetries?: number
}

const idOf = (value: unknown): string | null =>
  typeof value === "string" ? value : typeof value === "object" && value !== null && "id" in value ? String((value as { id: unknown }).id) : null

const numberOr = (value: unknown): number | null => (typeof value === "number" ? value : null)

/** The fields Billkit compares, from an object of `type` as the SDK returns it. */
export const toProviderObject = (type: SyncedType, object: { readonly id: string; readonly created: number } & Record<string, any>): ProviderObject => ({
  id: object.id,
  created: object.created,
  customer: idOf(object.customer),
  amount: type === "invoices" ? numberOr(object.total) : type === "prices" ? numberOr(object.unit_amount) : numberOr(object.amount),
  currency: typeof object.currency === "string" ? object.currency : null,
  status: typeof object.status === "string" ? object.status : type === "products" ? (object.active ? "active" : "archived") : null,
  refunded: type === "charges" ? numberOr(object.amount_refunded) : null,
  charge: type === "refunds" ? idOf(object.charge) : null,
  paymentIntent: type === "charges" ? idOf(object.payment_intent) : null,
  data: object
})

const refused = (error: unknown): error is Stripe.errors.StripeError =>
  error instanceof Stripe.errors.StripeAuthenticationError || error instanceof Stripe.errors.StripePermissionError

/**
 * A failed call as the port reports it: Stripe unreachable, rate limiting or failing on its side
 * (5xx) may be retried with the same idempotency key; anything else Stripe refused.
 */
const callFailed = (error: unknown): ProviderCallFailed => {
  const status = error instanceof Stripe.errors.StripeError ? error.statusCode : undefined
  const retryable = error instanceof Stripe.errors.StripeConnectionError || error instanceof Stripe.errors.StripeRateLimitError ||
    error instanceof Stripe.errors.StripeAPIError || (status !== undefined && status >= 500) || !(error instanceof Stripe.errors.StripeError)
  return new ProviderCallFailed({ message: error instanceof Error ? error.message : String(error), retryable })
}

export const makeStripeAccounts = (options: StripeAccountsOptions = {}): ProviderAccountsService => {
  const clients = new Map<string, Stripe>()
  const clientFor = (secretKey: string) => {
    let client = clients.get(secretKey)
    if (client === undefined) {
      client = makeStripeClient({
        secretKey,
        ...(options.apiBase === undefined ? {} : { apiBase: options.apiBase }),
        ...(options.maxNetworkRetries === undefined ? {} : { maxNetworkRetries: options.maxNetworkRetries })
      })
      clients.set(secretKey, client)
    }
    return client
  }

  type Listed = { readonly data: ReadonlyArray<{ id: string; created: number } & Record<string, any>>; readonly has_more: boolean }
  const list = (client: Stripe, type: SyncedType, params: Stripe.PaginationParams): Promise<Listed> => {
    switch (type) {
      case "customers": return client.customers.list(params)
      case "products": return client.products.list(params)
      case "prices": return client.prices.list(params)
      case "subscriptions": return client.subscriptions.list({ ...params, status: "all" })
      case "invoices": return client.invoices.list(params)
      case "charges": return client.charges.list(params)
      case "refunds": return client.refunds.list(params)
      case "balance_transactions": return client.balanceTransactions.list(params)
    }
  }

  return {
    // A connection's webhooks: verified with its secret, objects read back with its key.
    webhooks: ({ secretKey, webhookSecret }) => makeStripeWebhooks(clientFor(secretKey), webhookSecret),
    retrieveAccount: (secretKey) =>
      Effect.tryPromise({
        try: () => clientFor(secretKey).accounts.retrieveCurrent(),
        catch: (error) => error
      }).pipe(
        Effect.map((account) => ({ id: account.id })),
        Effect.catchAll((error) =>
          refused(error) ? Effect.fail(new KeyRejected({ message: error.message })) : Effect.die(error))
      ),
    retrieveSubscription: (secretKey, id) =>
      Effect.tryPromise({
        try: () => clientFor(secretKey).subscriptions.retrieve(id, { expand: ["latest_invoice"] }),
        catch: callFailed
      }).pipe(Effect.map((subscription) => toProviderObject("subscriptions", subscription))),
    cancelSubscriptionAt: (secretKey, id, { at, idempotencyKey }) =>
      Effect.tryPromise({
        try: () => clientFor(secretKey).subscriptions.update(id, { cancel_at: at, proration_behavior: "none" }, { idempotencyKey }),
        catch: callFailed
      }).pipe(Effect.map((subscription) => toProviderObject("subscriptions", subscription))),
    listPage: (secretKey, type, { limit, startingAfter }) =>
      Effect.tryPromise({
        try: () => list(clientFor(secretKey), type, { limit, ...(startingAfter === null ? {} : { starting_after: startingAfter }) }),
        catch: (error) => error
      }).pipe(
        Effect.map((page) => ({
          data: page.data.map((o) => toProviderObject(type, o)),
          hasMore: page.has_more
        })),
        Effect.catchAll((error) =>
          error instanceof Stripe.errors.StripeRateLimitError
            ? Effect.fail(new ProviderRateLimited({ message: error.message }))
            : Effect.die(error))
      )
  }
}
