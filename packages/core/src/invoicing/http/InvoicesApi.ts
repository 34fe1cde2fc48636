import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { InstantParam } from "../../kernel/Instant.js"
import { CreditNote, CreditNoteCreate, Invoice, InvoiceCreate, InvoiceStatus } from "../domain/Invoice.js"
import { optionalWire, strict } from "../../kernel/Wire.js"
import { ListOf, PageParams } from "../../http/Lists.js"
import { Authentication } from "../../http/Principal.js"
import { ConnectionParam } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

export const InvoicePayment = Schema.Struct({
  paidOutOfBand: optionalWire("paid_out_of_band", Schema.Boolean),
  paymentMethod: optionalWire("payment_method", Schema.String)
}).annotations({ identifier: "InvoicePayment", ...strict })

export const InvoiceFilters = {
  ...PageParams,
  status: Schema.optional(InvoiceStatus),
  customer: Schema.optional(Schema.String),
  subscription: Schema.optional(Schema.String),
  from: Schema.optional(InstantParam),
  to: Schema.optional(InstantParam),
  ...ConnectionParam
}

const transition = <const Name extends string>(name: Name, path: `/${string}`, summary: string, description: string) =>
  HttpApiEndpoint.post(name, path).setPath(Schema.Struct({ id: Schema.String })).addSuccess(Invoice).annotate(OpenApi.Summary, summary).annotate(OpenApi.Description, description)

export class InvoicesGroup extends HttpApiGroup.make("invoices")
  .add(
    HttpApiEndpoint.post("create", "/v1/invoices")
      .setPayload(InvoiceCreate)
      .addSuccess(Invoice, { status: 201 })
      .annotate(OpenApi.Summary, "Create a one-off invoice")
      .annotate(OpenApi.Description, "A draft with free-form lines (`unit_amount`) or lines at a catalog `price`; finalize it to number and collect it.")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/invoices")
      .setUrlParams(Schema.Struct(InvoiceFilters))
      .addSuccess(ListOf(Invoice, "Invoice"))
      .annotate(OpenApi.Summary, "List invoices")
  )
  .add(
    HttpApiEndpoint.get("listForCustomer")`/v1/customers/${id}/invoices`
      .setUrlParams(Schema.Struct({ ...PageParams, status: Schema.optional(InvoiceStatus) }))
      .addSuccess(ListOf(Invoice, "Invoice"))
      .annotate(OpenApi.Summary, "List a customer's invoices")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/invoices/${id}`.addSuccess(Invoice).annotate(OpenApi.Summary, "Retrieve an invoice"))
  .add(
    HttpApiEndpoint.get("pdf")`/v1/invoices/${id}/pdf`
      .addSuccess(HttpApiSchema.Uint8Array({ contentType: "application/pdf" }))
      .annotate(OpenApi.Summary, "Download an invoice as PDF")
      .annotate(OpenApi.Description, "The invoice rendered as `application/pdf`, drafts included.")
  )
  .add(transition("finalize", "/v1/invoices/:id/finalize", "Finalize a draft", "Checks the invoice, gives it the next number, applies the customer's balance and collects it (card customers)."))
  .add(transition("pay", "/v1/invoices/:id/pay", "Pay an invoice", "Charges the default (or given) payment method, or records `paid_out_of_band`. 409 when the charge fails.").setPayload(InvoicePayment))
  .add(transition("void", "/v1/invoices/:id/void", "Void an invoice", "For a draft or an unpaid open invoice; any balance it used is returned."))
  .add(transition("markUncollectible", "/v1/invoices/:id/mark-uncollectible", "Mark uncollectible", "Stops dunning on an open invoice."))
  .add(
    HttpApiEndpoint.post("createCreditNote")`/v1/invoices/${id}/credit-notes`
      .setPayload(CreditNoteCreate)
      .addSuccess(CreditNote, { status: 201 })
      .annotate(OpenApi.Summary, "Credit an invoice")
      .annotate(OpenApi.Description, "Reduces what is due on an open invoice; on a paid one the credit goes to the customer's balance. Never more than the invoice total.")
  )
  .add(
    HttpApiEndpoint.get("listCreditNotes", "/v1/credit-notes")
      .setUrlParams(Schema.Struct({ ...PageParams, invoice: Schema.optional(Schema.String), customer: Schema.optional(Schema.String) }))
      .addSuccess(ListOf(CreditNote, "CreditNote"))
      .annotate(OpenApi.Summary, "List credit notes")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Invoices")
  .annotate(OpenApi.Description, "`draft → open → paid | void | uncollectible`, numbered without gaps at finalize. Scopes: `invoices:*` (credit notes: `credit_notes:*`).")
{}
