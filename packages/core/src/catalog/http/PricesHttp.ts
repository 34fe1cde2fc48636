import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import type { Price } from "../domain/Price.js"
import { Prices } from "../Prices.js"
import { Products } from "../Products.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { parseExpand } from "../../http/Expansion.js"
import { toList, toPageRequest } from "../../http/Lists.js"
import { CurrentPrincipal } from "../../http/Principal.js"
import { PriceView } from "./PricesApi.js"
import type { NotFound } from "../../kernel/Errors.js"
import type { CurrentTenant } from "../../kernel/Tenancy.js"

export const PricesLive = HttpApiBuilder.group(BillkitApi, "prices", (handlers) =>
  Effect.gen(function*() {
    const prices = yield* Prices
    const products = yield* Products

    const view = (expand: ReadonlySet<"product">) => (price: Price): Effect.Effect<typeof PriceView.Type, NotFound, CurrentTenant> =>
      expand.has("product") ? Effect.map(products.get(price.product), (product) => ({ ...price, product })) : Effect.succeed(price)

    /** Publishable keys (browsers, pricing pages) see public prices only. */
    const onlyPublic = Effect.map(CurrentPrincipal, (p) => p.keyType === "publishable")

    const listing = (params: { readonly expand?: string | undefined; readonly currency?: string | undefined; readonly product?: string | undefined; readonly connection?: string | undefined; readonly limit: number; readonly startingAfter?: string | undefined; readonly endingBefore?: string | undefined; readonly includeTotal: boolean }) =>
      Effect.gen(function*() {
        const expand = yield* parseExpand(params.expand, ["product"])
        const page = yield* toPageRequest(params)
        const result = yield* prices.list(page, { product: params.product, currency: params.currency, connection: params.connection, onlyPublic: yield* onlyPublic })
        return toList({ ...result, data: yield* Effect.forEach(result.data, view(expand)) })
      })

    return handlers
      .handle("create", ({ path, payload }) => command("prices", "write", prices.create(path.id, payload)))
      .handle("listForProduct", ({ path, urlParams }) =>
        command("prices", "read", Effect.zipRight(products.get(path.id), listing({ ...urlParams, product: path.id }))))
      .handle("list", ({ urlParams }) => command("prices", "read", listing(urlParams), { publishable: true }))
      .handle("retrieve", ({ path, urlParams }) =>
        command("prices", "read", Effect.flatMap(parseExpand(urlParams.expand, ["product"]), (expand) =>
          Effect.flatMap(prices.get(path.id), view(expand)))))
      .handle("update", ({ path, payload }) => command("prices", "write", prices.update(path.id, payload)))
  }))
