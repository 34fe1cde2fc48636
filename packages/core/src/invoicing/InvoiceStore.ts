/** The invoices collection, indexed with the instant dunning next retries an open invoice (`due_at`). */
import { Invoice } from "./domain/Invoice.js"
import * as Collections from "../kernel/Collections.js"
import { makeRepository } from "../kernel/Repository.js"

export const makeInvoiceStore = makeRepository(Collections.Invoices, Invoice, {
  resource: "invoice",
  index: (i) => ({
    customer: i.customer,
    subscription: i.subscription,
    status: i.status,
    number: i.number,
    due_at: i.status === "open" ? i.nextPaymentAttempt : null,
    created_at: i.createdAt
  })
})
