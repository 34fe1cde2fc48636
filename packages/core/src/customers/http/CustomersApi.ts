import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Customer, CustomerCreate, CustomerUpdate } from "../domain/Customer.js"
import { optionalWire } from "../../kernel/Wire.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"
import { ConnectionParam } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

export const CustomerList = ListOf(Customer, "Customer")

export const CustomerFilters = Schema.Struct({
  ...PageParams,
  email: Schema.optional(Schema.String),
  country: Schema.optional(Schema.String),
  reference: Schema.optional(Schema.String),
  externalReference: optionalWire("external_reference", Schema.String),
  companyName: optionalWire("company_name", Schema.String),
  ...ConnectionParam
})

export class CustomersGroup extends HttpApiGroup.make("customers")
  .add(
    HttpApiEndpoint.post("create", "/v1/customers")
      .setPayload(CustomerCreate)
      .addSuccess(Customer, { status: 201 })
      .annotate(OpenApi.Summary, "Create a customer")
      .annotate(OpenApi.Description, "409 when the email is taken in this project and mode.")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/customers")
      .setUrlParams(CustomerFilters)
      .addSuccess(CustomerList)
      .annotate(OpenApi.Summary, "List active customers, optionally filtered")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/customers/${id}`.addSuccess(Customer).annotate(OpenApi.Summary, "Retrieve a customer"))
  .add(
    HttpApiEndpoint.patch("update")`/v1/customers/${id}`
      .setPayload(CustomerUpdate)
      .addSuccess(Customer)
      .annotate(OpenApi.Summary, "Update a customer")
      .annotate(OpenApi.Description, "Omitted fields keep their value, null clears.")
  )
  .add(
    HttpApiEndpoint.del("archive")`/v1/customers/${id}`
      .addSuccess(Customer)
      .annotate(OpenApi.Summary, "Delete a customer")
      .annotate(OpenApi.Description, "Archives the customer: it leaves lists, while its invoices and payments keep pointing at it.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Customers")
  .annotate(OpenApi.Description, "Who is billed: email (unique per project and mode), address, tax rates, billing type.")
{}
