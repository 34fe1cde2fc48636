import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Referral, ReferralApply, ReferralCode, ReferralCodeCreate, ReferralConfig, ReferralConfigUpdate } from "../domain/Referral.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"

const code = HttpApiSchema.param("code", Schema.String)

export class ReferralsGroup extends HttpApiGroup.make("referrals")
  .add(
    HttpApiEndpoint.post("createCode", "/v1/referral-codes")
      .setPayload(ReferralCodeCreate)
      .addSuccess(ReferralCode, { status: 201 })
      .annotate(OpenApi.Summary, "Create a customer's referral code")
      .annotate(OpenApi.Description, "One code per customer, chosen (`code`) or generated. 409 when the customer already has one or the code is taken (codes ignore case).")
  )
  .add(
    HttpApiEndpoint.get("listCodes", "/v1/referral-codes")
      .setUrlParams(Schema.Struct({ ...PageParams, customer: Schema.optional(Schema.String) }))
      .addSuccess(ListOf(ReferralCode, "ReferralCode"))
      .annotate(OpenApi.Summary, "List referral codes with their stats")
      .annotate(OpenApi.Description, "Each code with `times_applied`, `conversions` (referred customers with a paid invoice) and `rewards_given`.")
  )
  .add(
    HttpApiEndpoint.post("apply")`/v1/referral-codes/${code}/apply`
      .setPayload(ReferralApply)
      .addSuccess(Referral, { status: 201 })
      .annotate(OpenApi.Summary, "Apply a referral code to a customer")
      .annotate(OpenApi.Description, "At sign-up or checkout. 422 on `customer` for the code's own customer or a customer already referred; the referred reward voucher is redeemed at once.")
  )
  .add(
    HttpApiEndpoint.get("getConfig", "/v1/referrals/config")
      .addSuccess(ReferralConfig)
      .annotate(OpenApi.Summary, "Retrieve the referral rewards")
      .annotate(OpenApi.Description, "What a referrer and a referred customer receive; both `null` until set with `PUT`.")
  )
  .add(
    HttpApiEndpoint.put("putConfig", "/v1/referrals/config")
      .setPayload(ReferralConfigUpdate)
      .addSuccess(ReferralConfig)
      .annotate(OpenApi.Summary, "Set the referral rewards")
      .annotate(OpenApi.Description, "`referrer_reward`: `{type: \"balance_credit\", amount, currency}` or `{type: \"voucher\", voucher}`, given after the referred customer's first paid invoice; `referred_reward`: `{type: \"voucher\", voucher}`, redeemed on apply. A field left out keeps its value; `null` removes the reward.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Referrals")
  .annotate(OpenApi.Description, "Referral codes, one per customer, and the rewards for referrer and referred.")
{}
