/**
 * The port through which connections reach a provider's API with a connection's own key. Core
 * never imports a provider SDK: `@billkit/stripe` implements this on the `stripe` SDK and a host
 * passes it with `billkit({ providerAccounts: { stripe: stripeAccounts() } })`. Without one,
 * connecting an account is refused (422 naming `provider`).
 */
import { Context, Data } from "effect"
import type { Effect } from "effect"
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

export interface ProviderAccountsService {
  /**
   * Reads the account `secretKey` belongs to: proof the key works. Network and server failures
   * are defects (a 500 naming the request id); a refused key is `KeyRejected`.
   */
  readonly retrieveAccount: (secretKey: string) => Effect.Effect<ProviderAccount, KeyRejected>
}

/** The hosts's provider implementations, by provider; none by default. */
export class ProviderAccounts extends Context.Reference<ProviderAccounts>()("@billkit/core/ProviderAccounts", {
  defaultValue: (): Partial<Record<ConnectionProvider, ProviderAccountsService>> => ({})
}) {}
