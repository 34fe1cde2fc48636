import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { CheckoutSession, CheckoutSessionCreate } from "../domain/CheckoutSession.js"
import { Authentication } from "../../http/Principal.js"

const id = HttpApiSchema.param("id", Schema.String)

export class CheckoutGroup extends HttpApiGroup.make("checkout")
  .add(
    HttpApiEndpoint.post("create", "/v1/checkout-sessions")
      .setPayload(CheckoutSessionCreate)
      .addSuccess(CheckoutSession, { status: 201 })
      .annotate(OpenApi.Summary, "Create a hosted checkout session")
      .annotate(OpenApi.Description, "Prices the lines (a plan, optionally one of its prices, and seats) and answers the `url` of a checkout page served by this handler, valid 24 hours. The buyer enters an email and a voucher code, pays by card, and is sent to `success_url`; `checkout.session.completed` is emitted. A publishable key may call this. The `url` is shown only here: the session keeps only a hash of its token.")
  )
  .add(
    HttpApiEndpoint.get("retrieve")`/v1/checkout-sessions/${id}`
      .addSuccess(CheckoutSession)
      .annotate(OpenApi.Summary, "Retrieve a checkout session")
      .annotate(OpenApi.Description, "The outcome: `status` (`open`, `processing`, `complete`, `expired`), the customer, subscriptions and invoices it created. `url` is null.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Checkout") {}
