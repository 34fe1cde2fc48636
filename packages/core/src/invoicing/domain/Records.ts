/** How invoices, their pending items, credit notes and number counters are stored: one definition per collection. */
import { Schema } from "effect"
import * as Collections from "../../kernel/Collections.js"
import { Id } from "../../kernel/Ids.js"
import { CreditNote, Invoice, InvoiceItem } from "./Invoice.js"
import { providerLinkIndex } from "../../kernel/ProviderLink.js"

export const InvoiceRecords = Collections.records({
  collection: Collections.Invoices,
  schema: Invoice,
  resource: "invoice",
  // `due_at`: when dunning next retries an open invoice (one indexed range query finds them).
  index: (i) => ({
    customer: i.customer,
    subscription: i.subscription,
    status: i.status,
    // An imported invoice keeps Stripe's number without taking Billkit's unique slot for it.
    number: i.connection === null ? i.number : null,
    due_at: i.status === "open" ? i.nextPaymentAttempt : null,
    created_at: i.createdAt,
    ...providerLinkIndex(i)
  })
})

export const InvoiceItemRecords = Collections.records({
  collection: Collections.InvoiceItems,
  schema: InvoiceItem,
  resource: "invoice item",
  index: (i) => ({ customer: i.customer, subscription: i.subscription, status: i.status, invoice: i.invoice })
})

export const CreditNoteRecords = Collections.records({
  collection: Collections.CreditNotes,
  schema: CreditNote,
  resource: "credit note",
  index: (c) => ({ invoice: c.invoice, customer: c.customer })
})

/** A gapless counter (invoice numbers), one row per name and tenant. */
export const Sequence = Schema.Struct({
  id: Id("sequence"),
  object: Schema.Literal("sequence"),
  name: Schema.String,
  value: Schema.Int
})
export type Sequence = typeof Sequence.Type

export const SequenceRecords = Collections.records({
  collection: Collections.Sequences,
  schema: Sequence,
  resource: "sequence",
  index: (s) => ({ name: s.name })
})
