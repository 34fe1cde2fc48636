/** The invoices repository (see InvoiceRecords for its columns, `due_at` among them). */
import { makeRepository } from "../kernel/Repository.js"
import { InvoiceRecords } from "./domain/Records.js"

export const makeInvoiceStore = makeRepository(InvoiceRecords)
