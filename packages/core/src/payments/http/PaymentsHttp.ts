import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Customers } from "../../customers/index.js"
import { Payments } from "../Payments.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { checkRange, toList, toPageRequest } from "../../http/Lists.js"

const defined = <T extends Record<string, unknown>>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> }

export const PaymentsLive = HttpApiBuilder.group(BillkitApi, "payments", (handlers) =>
  Effect.gen(function*() {
    const payments = yield* Payments
    const customers = yield* Customers
    return handlers
      .handle("list", ({ urlParams: { connection, customer, from, status, to, ...page } }) =>
        command("payments", "read", Effect.gen(function*() {
          yield* checkRange({ from, to })
          return toList(yield* payments.list(yield* toPageRequest(page), defined({ customer, status, from, to, connection })))
        })))
      .handle("listForCustomer", ({ path, urlParams: { connection, from, to, ...page } }) =>
        command("payments", "read", Effect.gen(function*() {
          yield* checkRange({ from, to })
          const customer = yield* customers.get(path.id)
          return toList(yield* payments.list(yield* toPageRequest(page), defined({ customer: customer.id, from, to, connection })))
        })))
      .handle("retrieve", ({ path }) => command("payments", "read", payments.get(path.id)))
      .handle("refund", ({ path, payload }) => command("refunds", "write", payments.refund(path.id, payload)))
      .handle("listRefunds", ({ urlParams: { connection, from, to, ...page } }) =>
        command("refunds", "read", Effect.gen(function*() {
          yield* checkRange({ from, to })
          return toList(yield* payments.listRefunds(yield* toPageRequest(page), defined({ from, to, connection })))
        })))
      .handle("listRefundsForCustomer", ({ path, urlParams: { connection, from, to, ...page } }) =>
        command("refunds", "read", Effect.gen(function*() {
          yield* checkRange({ from, to })
          const customer = yield* customers.get(path.id)
          return toList(yield* payments.listRefunds(yield* toPageRequest(page), defined({ customer: customer.id, from, to, connection })))
        })))
      .handle("retrieveRefund", ({ path }) => command("refunds", "read", payments.getRefund(path.id)))
  }))
