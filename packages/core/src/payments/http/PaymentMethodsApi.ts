import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { PaymentMethod, PaymentMethodAttach, PaymentMethodStatus } from "../domain/PaymentMethod.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)
const pm = HttpApiSchema.param("pm", Schema.String)

export class PaymentMethodsGroup extends HttpApiGroup.make("paymentMethods")
  .add(
    HttpApiEndpoint.post("attach")`/v1/customers/${id}/payment-methods`
      .setPayload(PaymentMethodAttach)
      .addSuccess(PaymentMethod, { status: 201 })
      .annotate(OpenApi.Summary, "Attach a payment method")
      .annotate(OpenApi.Description, "Stores the card behind a provider token. The customer's first method becomes its default. 422 on `token` when the provider refuses it.")
  )
  .add(
    HttpApiEndpoint.get("list")`/v1/customers/${id}/payment-methods`
      .setUrlParams(Schema.Struct({ ...PageParams, status: Schema.optional(PaymentMethodStatus) }))
      .addSuccess(ListOf(PaymentMethod, "PaymentMethod"))
      .annotate(OpenApi.Summary, "List a customer's payment methods")
      .annotate(OpenApi.Description, "Active methods unless `status=detached`.")
  )
  .add(
    HttpApiEndpoint.del("detach")`/v1/customers/${id}/payment-methods/${pm}`
      .addSuccess(PaymentMethod)
      .annotate(OpenApi.Summary, "Detach a payment method")
      .annotate(OpenApi.Description, "The method is kept with status `detached`. When it was the default, the newest remaining method becomes the default.")
  )
  .add(
    HttpApiEndpoint.post("setDefault")`/v1/customers/${id}/payment-methods/${pm}/default`
      .addSuccess(PaymentMethod)
      .annotate(OpenApi.Summary, "Make a payment method the default")
      .annotate(OpenApi.Description, "Invoices of `card` customers are charged to the default method. 409 for a detached method.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Payment methods")
  .annotate(OpenApi.Description, "A customer's cards, stored at the payment provider. Scopes: `customers:read` / `customers:write`.")
{}
