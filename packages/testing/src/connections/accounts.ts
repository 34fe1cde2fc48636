/**
 * The provider side of a connections test: an integration Billkit checks keys through, and a way
 * to open new accounts on the provider and get their keys. `inProcessAccounts()` keeps the
 * accounts in memory; a Stripe-backed harness (the real SDK against the fake Stripe server)
 * satisfies the same interface.
 */
import { Effect } from "effect"
import { KeyRejected, type ProviderAccountsService } from "@billkit/core"

export interface AccountsUnderTest {
  /** What the Billkit under test is given as `providerAccounts.stripe`. */
  readonly providerAccounts: ProviderAccountsService
  /** Opens a new account on the provider and answers a working secret key of `mode` for it. */
  readonly newAccount: (mode: "test" | "live") => Promise<{ readonly accountId: string; readonly secretKey: string }>
  /** A key of the right shape that the provider refuses. */
  readonly refusedKey: (mode: "test" | "live") => string
  readonly close: () => Promise<void>
}

/** Accounts held in this process: each key maps to the account it belongs to. */
export const inProcessAccounts = (): AccountsUnderTest => {
  const keys = new Map<string, string>()
  let next = 0
  const suffix = () => `${(++next).toString().padStart(6, "0")}${Math.random().toString(36).slice(2, 12)}`
  return {
    providerAccounts: {
      retrieveAccount: (secretKey) => {
        const account = keys.get(secretKey)
        return account === undefined
          ? Effect.fail(new KeyRejected({ message: `Invalid API Key provided: ${secretKey.slice(0, 8)}…${secretKey.slice(-4)}` }))
          : Effect.succeed({ id: account })
      }
    },
    newAccount: async (mode) => {
      const accountId = `acct_${suffix()}`
      const secretKey = `sk_${mode}_${suffix()}`
      keys.set(secretKey, accountId)
      return { accountId, secretKey }
    },
    refusedKey: (mode) => `sk_${mode}_refused${suffix()}`,
    close: async () => {}
  }
}
