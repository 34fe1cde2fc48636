import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { EntitlementCheck } from "../domain/Entitlement.js"
import { Authentication } from "../../http/Principal.js"

const id = HttpApiSchema.param("id", Schema.String)
const feature = HttpApiSchema.param("feature", Schema.String)

export class EntitlementsGroup extends HttpApiGroup.make("entitlements")
  .add(
    HttpApiEndpoint.get("check")`/v1/customers/${id}/entitlements/${feature}`
      .addSuccess(EntitlementCheck)
      .annotate(OpenApi.Summary, "Check one entitlement")
      .annotate(
        OpenApi.Description,
        "Whether the customer may use the feature (by code or id) now: `allowed`, the `reason` (`ok`, `no_subscription`, " +
          "`not_in_plan`, `disabled`, `limit_reached`), the plans' `limit`, this period's `used` of a metered feature (a metric " +
          "with the feature's code) and `remaining`. Answered from the server's cache, which every change drops after commit."
      )
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Entitlements")
  .annotate(OpenApi.Description, "In-process entitlement checks: one feature of one customer, from a cache that every change drops after commit.")
{}
