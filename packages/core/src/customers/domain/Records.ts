/** How customers are stored: the one definition every repository of them is made from. */
import * as Collections from "../../kernel/Collections.js"
import { Customer } from "./Customer.js"
import { providerLinkIndex } from "../../kernel/ProviderLink.js"

export const CustomerRecords = Collections.records({
  collection: Collections.Customers,
  schema: Customer,
  resource: "customer",
  // An imported customer leaves the email's unique slot free: a Stripe account may hold one
  // email on several customers (or none), and Billkit's own customers keep theirs.
  index: (c) => ({
    email: c.connection === null ? c.email.toLowerCase() : null,
    country: c.address.country,
    reference: c.reference,
    external_reference: c.externalReference,
    company_name: c.address.companyName,
    status: c.status,
    ...providerLinkIndex(c)
  })
})
