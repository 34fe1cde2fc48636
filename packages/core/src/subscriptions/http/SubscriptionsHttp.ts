import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Customers } from "../../customers/index.js"
import { Subscriptions } from "../Subscriptions.js"
import { SubscriptionMigrations } from "../Migrations.js"
import { providerUnavailable } from "../../http/Problems.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const SubscriptionsLive = HttpApiBuilder.group(BillkitApi, "subscriptions", (handlers) =>
  Effect.gen(function*() {
    const subscriptions = yield* Subscriptions
    const customers = yield* Customers
    const migrations = yield* SubscriptionMigrations
    const write = <A, E, R>(effect: Effect.Effect<A, E, R>) => command("subscriptions", "write", effect)
    return handlers
      .handle("create", ({ path, payload }) => write(subscriptions.create(path.id, payload)))
      .handle("listForCustomer", ({ path, urlParams: { status, ...page } }) =>
        command("subscriptions", "read", Effect.gen(function*() {
          const customer = yield* customers.get(path.id)
          const request = yield* toPageRequest(page)
          return toList(yield* subscriptions.list(request, { customer: customer.id, ...(status === undefined ? {} : { status }) }))
        })))
      .handle("list", ({ urlParams: { connection, customer, plan, status, ...page } }) =>
        command("subscriptions", "read", Effect.gen(function*() {
          const request = yield* toPageRequest(page)
          return toList(yield* subscriptions.list(request, {
            ...(status === undefined ? {} : { status }),
            ...(customer === undefined ? {} : { customer }),
            ...(connection === undefined ? {} : { connection }),
            ...(plan === undefined ? {} : { plan })
          }))
        })))
      .handle("retrieve", ({ path }) => command("subscriptions", "read", subscriptions.get(path.id)))
      .handle("addSeats", ({ path, payload }) => write(subscriptions.addSeats(path.id, payload)))
      .handle("removeSeats", ({ path, payload }) => write(subscriptions.removeSeats(path.id, payload)))
      .handle("changePlan", ({ path, payload }) => write(subscriptions.changePlan(path.id, payload)))
      .handle("changePrice", ({ path, payload }) => write(subscriptions.changePrice(path.id, payload)))
      .handle("cancel", ({ path, payload }) => write(subscriptions.cancel(path.id, payload)))
      .handle("resume", ({ path }) => write(subscriptions.resume(path.id)))
      .handle("pause", ({ path }) => write(subscriptions.pause(path.id)))
      .handle("convertTrial", ({ path, payload }) => write(subscriptions.convertTrial(path.id, payload)))
      .handle("migrate", ({ path }) =>
        write(migrations.migrate(path.id)).pipe(
          Effect.catchTag("ProviderCallFailed", (e) =>
            Effect.fail(providerUnavailable(
              `Stripe could not be reached or failed (${e.message}): send the request again; a migration already scheduled is retried with the same idempotency key`
            )))
        ))
      .handle("upcomingInvoice", ({ path }) =>
        command("subscriptions", "read", Effect.map(subscriptions.upcomingInvoice(path.id), ({ id: _id, ...invoice }) => invoice)))
  }))
