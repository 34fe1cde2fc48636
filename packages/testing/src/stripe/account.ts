/** `GET /v1/account`: the account a secret key belongs to (how a key is checked). */
import type Stripe from "stripe"
import { ok, route, type Route } from "./routing.js"

export const accountRoutes: ReadonlyArray<Route> = [
  route("GET", "/v1/account", ({ store }) => {
    const account: Stripe.Account = {
      id: store.account.id,
      object: "account",
      business_profile: null,
      business_type: null,
      charges_enabled: true,
      country: "US",
      created: 1_700_000_000,
      default_currency: "usd",
      details_submitted: true,
      email: "fake@billkit.test",
      metadata: {},
      payouts_enabled: true,
      settings: null,
      type: "standard"
    }
    return ok(account)
  })
]
