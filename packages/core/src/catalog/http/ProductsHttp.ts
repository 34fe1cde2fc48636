import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Products } from "../Products.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const ProductsLive = HttpApiBuilder.group(BillkitApi, "products", (handlers) =>
  Effect.gen(function*() {
    const products = yield* Products
    return handlers
      .handle("create", ({ payload }) => command("products", "write", products.create(payload)))
      .handle("list", ({ urlParams: { active, connection, ...page } }) =>
        command("products", "read", Effect.flatMap(toPageRequest(page), (p) => Effect.map(products.list(p, { active, connection }), toList))))
      .handle("retrieve", ({ path }) => command("products", "read", products.get(path.id)))
      .handle("update", ({ path, payload }) => command("products", "write", products.update(path.id, payload)))
  }))
