/**
 * The invoice's own events (`invoice.created`, `.finalized`, `.paid`, `.payment_failed`,
 * `.voided`), each carrying the invoice as the API shows it. Shared by issuing and collection.
 */
import { Effect } from "effect"
import { Events } from "../events/index.js"
import { encoder } from "../kernel/Encoder.js"
import { Invoice } from "./domain/Invoice.js"

const encodeInvoice = encoder(Invoice)

export type InvoiceEventType = "invoice.created" | "invoice.finalized" | "invoice.paid" | "invoice.payment_failed" | "invoice.voided"

/** `emit(type, invoice)`: queues the event in the caller's transaction. */
export const makeInvoiceEvents = Effect.map(Events, (events) =>
  (type: InvoiceEventType, invoice: Invoice) => events.emit(type, invoice.id, encodeInvoice(invoice)))
