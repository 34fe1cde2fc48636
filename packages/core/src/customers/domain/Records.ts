/** How customers are stored: the one definition every repository of them is made from. */
import * as Collections from "../../kernel/Collections.js"
import { Customer } from "./Customer.js"

export const CustomerRecords = Collections.records({
  collection: Collections.Customers,
  schema: Customer,
  resource: "customer",
  index: (c) => ({
    email: c.email.toLowerCase(),
    country: c.address.country,
    reference: c.reference,
    external_reference: c.externalReference,
    company_name: c.address.companyName,
    status: c.status
  })
})
