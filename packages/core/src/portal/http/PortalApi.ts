import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { PortalSession, PortalSessionCreate } from "../domain/PortalSession.js"
import { Authentication } from "../../http/Principal.js"

const id = HttpApiSchema.param("id", Schema.String)

export class PortalGroup extends HttpApiGroup.make("portal")
  .add(
    HttpApiEndpoint.post("create")`/v1/customers/${id}/portal-sessions`
      .setPayload(PortalSessionCreate)
      .addSuccess(PortalSession, { status: 201 })
      .annotate(OpenApi.Summary, "Create a customer portal session")
      .annotate(OpenApi.Description, "Answers the `url` of this customer's self-service page, valid one hour and for this customer only: subscriptions (change plan with a proration preview, seats, cancel at period end, resume), invoices with PDFs, payment methods, balance and this period's usage. `token` and `url` are shown only here.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Customer portal") {}
