import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Redemption, RedemptionCreate, Voucher, VoucherCreate, VoucherStatus, VoucherUpdate } from "../domain/Voucher.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

export class VouchersGroup extends HttpApiGroup.make("vouchers")
  .add(
    HttpApiEndpoint.post("create", "/v1/vouchers")
      .setPayload(VoucherCreate)
      .addSuccess(Voucher, { status: 201 })
      .annotate(OpenApi.Summary, "Create a voucher")
      .annotate(OpenApi.Description, "`percentage` for a percentage voucher, `amounts` (one per currency) for a fixed one; `duration_in_cycles` with `repeating`. 409 when the code is taken (codes ignore case).")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/vouchers")
      .setUrlParams(Schema.Struct({ ...PageParams, status: Schema.optional(VoucherStatus), code: Schema.optional(Schema.String) }))
      .addSuccess(ListOf(Voucher, "Voucher"))
      .annotate(OpenApi.Summary, "List vouchers")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/vouchers/${id}`.addSuccess(Voucher).annotate(OpenApi.Summary, "Retrieve a voucher"))
  .add(
    HttpApiEndpoint.patch("update")`/v1/vouchers/${id}`
      .setPayload(VoucherUpdate)
      .addSuccess(Voucher)
      .annotate(OpenApi.Summary, "Update a voucher")
      .annotate(OpenApi.Description, "Name, status, max_redemptions, expires_at and metadata; the discount and duration never change.")
  )
  .add(
    HttpApiEndpoint.post("redeem")`/v1/customers/${id}/vouchers`
      .setPayload(RedemptionCreate)
      .addSuccess(Redemption, { status: 201 })
      .annotate(OpenApi.Summary, "Apply a voucher to a customer")
      .annotate(OpenApi.Description, "404 for an unknown code; 409 when the voucher is disabled, expired, at its max_redemptions, or already active on the customer.")
  )
  .add(
    HttpApiEndpoint.get("listRedemptions")`/v1/customers/${id}/vouchers`
      .setUrlParams(Schema.Struct(PageParams))
      .addSuccess(ListOf(Redemption, "Redemption"))
      .annotate(OpenApi.Summary, "List a customer's redemptions")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Vouchers")
  .annotate(OpenApi.Description, "Percentage or fixed discounts, applied before tax for one cycle, several, or for ever.")
{}
