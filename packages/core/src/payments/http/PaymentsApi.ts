import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { InstantParam } from "../../kernel/Instant.js"
import { Payment, PaymentStatus, Refund, RefundCreate } from "../domain/Payment.js"
import { ConnectionParam, ListOf, PageParams } from "../../http/Lists.js"
import { Authentication } from "../../http/Principal.js"

const id = HttpApiSchema.param("id", Schema.String)
const range = { from: Schema.optional(InstantParam), to: Schema.optional(InstantParam), ...ConnectionParam }

export class PaymentsGroup extends HttpApiGroup.make("payments")
  .add(
    HttpApiEndpoint.get("list", "/v1/payments")
      .setUrlParams(Schema.Struct({ ...PageParams, ...range, customer: Schema.optional(Schema.String), status: Schema.optional(PaymentStatus) }))
      .addSuccess(ListOf(Payment, "Payment"))
      .annotate(OpenApi.Summary, "List payments")
  )
  .add(
    HttpApiEndpoint.get("listForCustomer")`/v1/customers/${id}/payments`
      .setUrlParams(Schema.Struct({ ...PageParams, ...range }))
      .addSuccess(ListOf(Payment, "Payment"))
      .annotate(OpenApi.Summary, "List a customer's payments")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/payments/${id}`.addSuccess(Payment).annotate(OpenApi.Summary, "Retrieve a payment"))
  .add(
    HttpApiEndpoint.post("refund")`/v1/payments/${id}/refunds`
      .setPayload(RefundCreate)
      .addSuccess(Refund, { status: 201 })
      .annotate(OpenApi.Summary, "Refund a payment")
      .annotate(OpenApi.Description, "The whole unrefunded remainder unless `amount` is given; more than the remainder is a 409.")
  )
  .add(
    HttpApiEndpoint.get("listRefunds", "/v1/refunds")
      .setUrlParams(Schema.Struct({ ...PageParams, ...range }))
      .addSuccess(ListOf(Refund, "Refund"))
      .annotate(OpenApi.Summary, "List refunds")
  )
  .add(
    HttpApiEndpoint.get("listRefundsForCustomer")`/v1/customers/${id}/refunds`
      .setUrlParams(Schema.Struct({ ...PageParams, ...range }))
      .addSuccess(ListOf(Refund, "Refund"))
      .annotate(OpenApi.Summary, "List a customer's refunds")
  )
  .add(HttpApiEndpoint.get("retrieveRefund")`/v1/refunds/${id}`.addSuccess(Refund).annotate(OpenApi.Summary, "Retrieve a refund"))
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Payments")
  .annotate(OpenApi.Description, "Charges of invoices through the payment provider, and refunds. Scopes: `payments:*`, `refunds:*`.")
{}
