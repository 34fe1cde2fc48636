import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { PaymentMethods } from "../PaymentMethods.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const PaymentMethodsLive = HttpApiBuilder.group(BillkitApi, "paymentMethods", (handlers) =>
  Effect.gen(function*() {
    const methods = yield* PaymentMethods
    return handlers
      .handle("attach", ({ path, payload }) => command("customers", "write", methods.attach(path.id, payload.token)))
      .handle("list", ({ path, urlParams: { status, ...page } }) =>
        command("customers", "read", Effect.flatMap(toPageRequest(page), (p) => Effect.map(methods.list(path.id, p, { status }), toList))))
      .handle("detach", ({ path }) => command("customers", "write", methods.detach(path.id, path.pm)))
      .handle("setDefault", ({ path }) => command("customers", "write", methods.setDefault(path.id, path.pm)))
  }))
