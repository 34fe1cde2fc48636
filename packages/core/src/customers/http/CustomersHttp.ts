import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Customers } from "../Customers.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const CustomersLive = HttpApiBuilder.group(BillkitApi, "customers", (handlers) =>
  Effect.gen(function*() {
    const customers = yield* Customers
    return handlers
      .handle("create", ({ payload }) => command("customers", "write", customers.create(payload)))
      .handle("list", ({ urlParams: { companyName, connection, country, email, externalReference, reference, ...page } }) =>
        command("customers", "read", Effect.flatMap(toPageRequest(page), (p) =>
          Effect.map(customers.list(p, { companyName, connection, country, email, externalReference, reference }), toList))))
      .handle("retrieve", ({ path }) => command("customers", "read", customers.get(path.id)))
      .handle("update", ({ path, payload }) => command("customers", "write", customers.update(path.id, payload)))
      .handle("archive", ({ path }) => command("customers", "write", customers.archive(path.id)))
  }))
