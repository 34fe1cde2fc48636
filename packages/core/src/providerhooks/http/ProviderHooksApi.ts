import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"

const connection = HttpApiSchema.param("connection", Schema.String)

export const WebhookReceived = Schema.Struct({
  received: Schema.Literal(true),
  /** False for a duplicate delivery, an event Billkit ignores, or one about no Billkit payment. */
  processed: Schema.Boolean
}).annotations({ identifier: "ProviderWebhookReceived" })

/** No API key: the `Stripe-Signature` header authenticates the delivery. */
export class ProviderHooksGroup extends HttpApiGroup.make("providerWebhooks")
  .add(
    HttpApiEndpoint.post("stripe")`/v1/providers/stripe/webhook/${connection}`
      .addSuccess(WebhookReceived)
      .annotate(OpenApi.Summary, "Receive a Stripe webhook")
      .annotate(OpenApi.Description, "Stripe's endpoint; no API key, the `Stripe-Signature` header (verified by the Stripe SDK, " +
        "tolerance 300 s) authenticates it: a bad or stale signature is a 400 and changes nothing. `{connection}` is a connection's " +
        "id (`conn_…`, verified with its `webhook_secret`, objects read back with its key, in its project and mode) or `default`, " +
        "the instance's Stripe provider configured with `webhookSecret`; an unknown connection, or one without a webhook secret, is a 404. " +
        "Each event is processed once by its id; the object is re-read from Stripe rather than trusted, so late or out-of-order " +
        "deliveries change nothing they should not. See docs/stripe.md for the events handled.")
  )
{}
