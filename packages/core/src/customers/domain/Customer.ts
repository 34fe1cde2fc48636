/** Customers: who is billed, where, and at which tax rates (BillaBear's customer shape). */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Metadata } from "../../kernel/Metadata.js"
import { CountryCode, Email, Percent, PercentInput, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"
import { providerLinkFields } from "../../kernel/ProviderLink.js"

const Text = (max: number) => Schema.String.pipe(Schema.maxLength(max))

const addressFields = {
  companyName: Text(200),
  streetLineOne: Text(200),
  streetLineTwo: Text(200),
  city: Text(200),
  region: Text(200),
  country: CountryCode,
  postcode: Text(40)
}
const addressKeys: Record<keyof typeof addressFields, string> = {
  companyName: "company_name",
  streetLineOne: "street_line_one",
  streetLineTwo: "street_line_two",
  city: "city",
  region: "region",
  country: "country",
  postcode: "postcode"
}

export const Address = Schema.Struct({
  companyName: wire("company_name", Schema.NullOr(addressFields.companyName)),
  streetLineOne: wire("street_line_one", Schema.NullOr(addressFields.streetLineOne)),
  streetLineTwo: wire("street_line_two", Schema.NullOr(addressFields.streetLineTwo)),
  city: Schema.NullOr(addressFields.city),
  region: Schema.NullOr(addressFields.region),
  country: Schema.NullOr(addressFields.country),
  postcode: Schema.NullOr(addressFields.postcode)
}).annotations({ identifier: "Address" })
export type Address = typeof Address.Type

export const AddressInput = Schema.Struct({
  companyName: optionalWire("company_name", Schema.NullOr(addressFields.companyName)),
  streetLineOne: optionalWire("street_line_one", Schema.NullOr(addressFields.streetLineOne)),
  streetLineTwo: optionalWire("street_line_two", Schema.NullOr(addressFields.streetLineTwo)),
  city: Schema.optional(Schema.NullOr(addressFields.city)),
  region: Schema.optional(Schema.NullOr(addressFields.region)),
  country: Schema.optional(Schema.NullOr(addressFields.country)),
  postcode: Schema.optional(Schema.NullOr(addressFields.postcode))
}).annotations({ identifier: "AddressInput", ...strict })

export const emptyAddress: Address = Object.fromEntries(Object.keys(addressKeys).map((k) => [k, null])) as Address

export const BillingType = Schema.Literal("card", "invoice").annotations({
  description: "`card`: invoices are charged to the default payment method; `invoice`: sent with net terms."
})
export const CustomerType = Schema.Literal("individual", "business")
export const InvoiceFormat = Schema.Literal("pdf", "xrechnung")
export const CustomerStatus = Schema.Literal("active", "archived")

export const Customer = Schema.Struct({
  id: Id("customer"),
  object: Schema.Literal("customer"),
  email: Schema.String,
  name: Schema.NullOr(Schema.String),
  taxNumber: wire("tax_number", Schema.NullOr(Schema.String)),
  standardTaxRate: wire("standard_tax_rate", Schema.NullOr(Percent)),
  digitalTaxRate: wire("digital_tax_rate", Schema.NullOr(Percent)),
  billingType: wire("billing_type", BillingType),
  type: CustomerType,
  reference: Schema.NullOr(Schema.String),
  externalReference: wire("external_reference", Schema.NullOr(Schema.String)),
  address: Address,
  locale: Schema.String,
  brand: Schema.String,
  invoiceFormat: wire("invoice_format", InvoiceFormat),
  marketingOptIn: wire("marketing_opt_in", Schema.Boolean),
  metadata: Metadata,
  status: CustomerStatus,
  ...providerLinkFields,
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp),
  archivedAt: wire("archived_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "Customer" })
export type Customer = typeof Customer.Type

const inputFields = {
  name: Schema.optional(Schema.NullOr(Text(200))),
  taxNumber: optionalWire("tax_number", Schema.NullOr(Text(60))),
  standardTaxRate: optionalWire("standard_tax_rate", Schema.NullOr(PercentInput)),
  digitalTaxRate: optionalWire("digital_tax_rate", Schema.NullOr(PercentInput)),
  billingType: optionalWire("billing_type", BillingType),
  type: Schema.optional(CustomerType),
  reference: Schema.optional(Schema.NullOr(Text(200))),
  externalReference: optionalWire("external_reference", Schema.NullOr(Text(200))),
  address: Schema.optional(AddressInput),
  locale: Schema.optional(Text(20).pipe(Schema.minLength(2))),
  brand: Schema.optional(Text(60).pipe(Schema.minLength(1))),
  invoiceFormat: optionalWire("invoice_format", InvoiceFormat),
  marketingOptIn: optionalWire("marketing_opt_in", Schema.Boolean),
  metadata: Schema.optional(Metadata)
}

export const CustomerCreate = Schema.Struct({ email: Email, ...inputFields }).annotations({
  identifier: "CustomerCreate",
  ...strict
})
export type CustomerCreate = typeof CustomerCreate.Type

export const CustomerUpdate = Schema.Struct({ email: Schema.optional(Email), ...inputFields }).annotations({
  identifier: "CustomerUpdate",
  ...strict
})
export type CustomerUpdate = typeof CustomerUpdate.Type
