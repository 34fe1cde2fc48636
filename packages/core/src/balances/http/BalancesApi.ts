import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { BalanceAdjustment, BalancePage, BalanceTransaction, CustomerBalance } from "../domain/Balance.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"
import { integerRange } from "../../kernel/Wire.js"

const id = HttpApiSchema.param("id", Schema.String)

/** Page-number parameters of the balances reference document: `page_num` from 1, `page_size` up to 50. */
export const PageNumberParams = {
  pageNum: Schema.optionalWith(
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 1_000_000, { message: () => "must be an integer from 1 to 1000000" }))
      .annotations({ jsonSchema: { ...integerRange(1, 1_000_000).jsonSchema, default: 1 } }),
    { default: () => 1 }
  ).pipe(Schema.fromKey("page_num")),
  pageSize: Schema.optionalWith(
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 50, { message: () => "must be an integer from 1 to 50" }))
      .annotations({ jsonSchema: { ...integerRange(1, 50).jsonSchema, default: 30 } }),
    { default: () => 30 }
  ).pipe(Schema.fromKey("page_size"))
}

export class BalancesGroup extends HttpApiGroup.make("balances")
  .add(
    HttpApiEndpoint.get("list", "/v1/balances")
      .setUrlParams(Schema.Struct({ ...PageNumberParams, customer: Schema.optional(Schema.String) }))
      .addSuccess(BalancePage)
      .annotate(OpenApi.Summary, "List all customer balances (page numbers)")
      .annotate(OpenApi.Description, "Every balance of the project, oldest first, paged by `page_num` (from 1) and `page_size` (default 30, at most 50); `meta` holds the totals and the links to other pages.")
  )
  .add(
    HttpApiEndpoint.get("retrieve")`/v1/customers/${id}/balance`
      .addSuccess(CustomerBalance)
      .annotate(OpenApi.Summary, "Retrieve a customer's balance")
      .annotate(OpenApi.Description, "One amount per currency; positive is credit the customer holds, applied to its next invoices.")
  )
  .add(
    HttpApiEndpoint.post("adjust")`/v1/customers/${id}/balance/adjustments`
      .setPayload(BalanceAdjustment)
      .addSuccess(BalanceTransaction, { status: 201 })
      .annotate(OpenApi.Summary, "Credit or debit a customer's balance")
      .annotate(OpenApi.Description, "A positive amount credits the customer, a negative one debits it (the balance may go negative).")
  )
  .add(
    HttpApiEndpoint.get("listTransactions")`/v1/customers/${id}/balance/transactions`
      .setUrlParams(Schema.Struct({ ...PageParams, currency: Schema.optional(Schema.String) }))
      .addSuccess(ListOf(BalanceTransaction, "BalanceTransaction"))
      .annotate(OpenApi.Summary, "List a customer's balance transactions")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Balances")
  .annotate(OpenApi.Description, "Credit customers hold per currency, applied after tax to their next invoices before charging.")
{}
