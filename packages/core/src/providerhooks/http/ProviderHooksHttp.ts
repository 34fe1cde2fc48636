import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { BillkitApi } from "../../http/Api.js"
import { badRequest, fromDomain } from "../../http/Problems.js"
import { ProviderHooks } from "../ProviderHooks.js"

export const ProviderHooksLive = HttpApiBuilder.group(BillkitApi, "providerWebhooks", (handlers) =>
  Effect.gen(function*() {
    const hooks = yield* ProviderHooks
    return handlers.handle("stripe", ({ path }) =>
      Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        // The exact bytes Stripe signed: the body is read raw, never re-serialized.
        const payload = yield* request.text.pipe(Effect.orElseSucceed(() => ""))
        const signature = request.headers["stripe-signature"] ?? ""
        return yield* hooks.receive(path.connection, payload, signature).pipe(
          Effect.catchTags({
            WebhookSignatureInvalid: (e) => Effect.fail(badRequest(e.message)),
            NotFound: (e) => Effect.fail(fromDomain(e))
          })
        )
      }))
  }))
