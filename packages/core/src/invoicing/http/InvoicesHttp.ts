import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Customers } from "../../customers/index.js"
import { Invoices } from "../Invoices.js"
import { invoicePdfOf } from "../InvoicePdf.js"
import { OneOffInvoices } from "../OneOffInvoices.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { checkRange, toList, toPageRequest } from "../../http/Lists.js"

export const InvoicesLive = HttpApiBuilder.group(BillkitApi, "invoices", (handlers) =>
  Effect.gen(function*() {
    const invoices = yield* Invoices
    const oneOffs = yield* OneOffInvoices
    const customers = yield* Customers
    const write = <A, E, R>(effect: Effect.Effect<A, E, R>) => command("invoices", "write", effect)
    return handlers
      .handle("create", ({ payload }) => write(oneOffs.create(payload)))
      .handle("list", ({ urlParams: { connection, customer, from, status, subscription, to, ...page } }) =>
        command("invoices", "read", Effect.gen(function*() {
          yield* checkRange({ from, to })
          const request = yield* toPageRequest(page)
          return toList(yield* invoices.list(request, {
            ...(customer === undefined ? {} : { customer }),
            ...(subscription === undefined ? {} : { subscription }),
            ...(status === undefined ? {} : { status }),
            ...(connection === undefined ? {} : { connection }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to })
          }))
        })))
      .handle("listForCustomer", ({ path, urlParams: { status, ...page } }) =>
        command("invoices", "read", Effect.gen(function*() {
          const customer = yield* customers.get(path.id)
          const request = yield* toPageRequest(page)
          return toList(yield* invoices.list(request, { customer: customer.id, ...(status === undefined ? {} : { status }) }))
        })))
      .handle("retrieve", ({ path }) => command("invoices", "read", invoices.get(path.id)))
      .handle("pdf", ({ path }) => command("invoices", "read", invoicePdfOf(path.id)))
      .handle("finalize", ({ path }) => write(invoices.finalize(path.id)))
      .handle("pay", ({ path, payload }) => write(invoices.pay(path.id, payload)))
      .handle("void", ({ path }) => write(invoices.void(path.id)))
      .handle("markUncollectible", ({ path }) => write(invoices.markUncollectible(path.id)))
      .handle("createCreditNote", ({ path, payload }) => command("credit_notes", "write", invoices.createCreditNote(path.id, payload)))
      .handle("listCreditNotes", ({ urlParams: { customer, invoice, ...page } }) =>
        command("credit_notes", "read", Effect.gen(function*() {
          const request = yield* toPageRequest(page)
          return toList(yield* invoices.listCreditNotes(request, {
            ...(invoice === undefined ? {} : { invoice }),
            ...(customer === undefined ? {} : { customer })
          }))
        })))
  }))
