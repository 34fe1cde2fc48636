import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { Checkout } from "../Checkout.js"
import { toPublicSession } from "../domain/CheckoutSession.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { CurrentPrincipal } from "../../http/Principal.js"
import { forbidden } from "../../http/Problems.js"
import { requestOrigin } from "../../http/Page.js"
import { PagesConfig, pageUrl } from "../../kernel/PageTokens.js"

export const CheckoutLive = HttpApiBuilder.group(BillkitApi, "checkout", (handlers) =>
  Effect.gen(function*() {
    const checkout = yield* Checkout
    return handlers
      .handle("create", ({ payload }) =>
        command("checkout", "write", Effect.gen(function*() {
          // A browser holding the publishable key may start a checkout, not one for a known customer.
          if (payload.customer !== undefined && (yield* CurrentPrincipal).keyType === "publishable") {
            return yield* Effect.fail(forbidden("A publishable key may not start a checkout for an existing customer"))
          }
          const { session, token } = yield* checkout.create(payload)
          const origin = requestOrigin(yield* HttpServerRequest.HttpServerRequest)
          return toPublicSession(session, pageUrl(yield* PagesConfig, origin, `/checkout/${token}`))
        }), { publishable: true }))
      .handle("retrieve", ({ path }) => command("checkout", "read", checkout.get(path.id)))
  }))
