/**
 * The port through which connections reach a provider's API with a connection's own key. Core
 * never imports a provider SDK: `@billkit/stripe` implements this on the `stripe` SDK and a host
 * passes it with `billkit({ providerAccounts: { stripe: stripeAccounts() } })`. Without one,
 * connecting an account is refused (422 naming `provider`).
 */
import { Context, Data } from "effect"
import type { Effect } from "effect"
import type { ProviderWebhooks } from "../payments/index.js"
import type { ConnectionProvider } from "./domain/Connection.js"

/** The provider refused the key (invalid, revoked, or lacking the permission to read the account). */
export class KeyRejected extends Data.TaggedError("KeyRejected")<{
  readonly message: string
}> {}

/** The account a key belongs to. */
export interface ProviderAccount {
  /** `acct_…` on Stripe. */
  readonly id: string
}

/** What a sync imports, in the order it imports them (a price needs its product first, and so on). */
export const syncedTypes = [
  "customers", "products", "prices", "subscriptions", "invoices", "charges", "refunds", "balance_transactions"
] as const
export type SyncedType = (typeof syncedTypes)[number]

/** The provider is rate limiting this key (HTTP 429): back off and ask again. */
export class ProviderRateLimited extends Data.TaggedError("ProviderRateLimited")<{
  readonly message: string
}> {}

/**
 * One object of the provider's, as the sync stores it: its id and creation time, the few fields
 * Billkit compares (amounts and statuses of charges and refunds, the customer it belongs to),
 * and the provider's object itself as JSON.
 */
export interface ProviderObject {
  readonly id: string
  /** Unix seconds, as Stripe gives them. */
  readonly created: number
  readonly customer: string | null
  /** Minor units (charges, refunds, invoices, balance transactions), else null. */
  readonly amount: number | null
  readonly currency: string | null
  readonly status: string | null
  /** Charges: the amount refunded so far; refunds: the charge refunded. */
  readonly refunded: number | null
  readonly charge: string | null
  /** Charges: the payment intent they belong to (what a Billkit payment's `provider_ref` may name). */
  readonly paymentIntent: string | null
  readonly data: Readonly<Record<string, unknown>>
}

/**
 * A call that reads or changes one of the provider's objects failed. `retryable`: the provider
 * could not be reached, was rate limiting or failed on its side (5xx), so nothing is known to have
 * changed and the same call (same idempotency key) may be made again; otherwise it refused the
 * call (the object is gone, the key was revoked, the change is invalid) and says why in `message`.
 */
export class ProviderCallFailed extends Data.TaggedError("ProviderCallFailed")<{
  readonly message: string
  readonly retryable: boolean
}> {}

export interface ProviderPage {
  /** In the provider's list order; `startingAfter` the last one's id continues it. */
  readonly data: ReadonlyArray<ProviderObject>
  readonly hasMore: boolean
}

export interface ProviderAccountsService {
  /**
   * One page of the account's objects of `type` (every status, deleted ones excepted), after
   * `startingAfter`. A 429 is `ProviderRateLimited` (after the SDK's own retries); other
   * failures are defects, which fail the sync with their message.
   */
  readonly listPage: (
    secretKey: string,
    type: SyncedType,
    options: { readonly startingAfter: string | null; readonly limit: number }
  ) => Effect.Effect<ProviderPage, ProviderRateLimited>
  /**
   * Reads the account `secretKey` belongs to: proof the key works. Network and server failures
   * are defects (a 500 naming the request id); a refused key is `KeyRejected`.
   */
  readonly retrieveAccount: (secretKey: string) => Effect.Effect<ProviderAccount, KeyRejected>
  /**
   * One subscription as the provider holds it now, its latest invoice expanded (an object in
   * `data.latest_invoice`, with its lines): what migrating it off the provider's billing reads.
   */
  readonly retrieveSubscription: (secretKey: string, id: string) => Effect.Effect<ProviderObject, ProviderCallFailed>
  /**
   * Has the provider end subscription `id` at `at` (Unix seconds) without prorating (Stripe:
   * `POST /v1/subscriptions/{id}` with `cancel_at` and `proration_behavior=none`), sent with
   * `idempotencyKey` so that a retry of a call whose answer was lost changes nothing twice.
   */
  readonly cancelSubscriptionAt: (
    secretKey: string,
    id: string,
    options: { readonly at: number; readonly idempotencyKey: string }
  ) => Effect.Effect<ProviderObject, ProviderCallFailed>
  /**
   * Inbound webhooks of a connection (`/v1/providers/stripe/webhook/{connection}`): verified with
   * its webhook secret, objects read back with its key. Without it a connection's webhook
   * endpoint answers 404.
   */
  readonly webhooks?: (keys: { readonly secretKey: string; readonly webhookSecret: string }) => ProviderWebhooks
}

/** The hosts's provider implementations, by provider; none by default. */
export class ProviderAccounts extends Context.Reference<ProviderAccounts>()("@billkit/core/ProviderAccounts", {
  defaultValue: (): Partial<Record<ConnectionProvider, ProviderAccountsService>> => ({})
}) {}
