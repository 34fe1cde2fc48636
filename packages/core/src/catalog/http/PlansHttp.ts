import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import type { Plan } from "../domain/Plan.js"
import { Features } from "../Features.js"
import { Plans } from "../Plans.js"
import { Prices } from "../Prices.js"
import { Products } from "../Products.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { parseExpand } from "../../http/Expansion.js"
import { toList, toPageRequest } from "../../http/Lists.js"
import { CurrentPrincipal } from "../../http/Principal.js"

const expandable = ["product", "prices", "features"] as const
type Expandable = (typeof expandable)[number]

export const PlansLive = HttpApiBuilder.group(BillkitApi, "plans", (handlers) =>
  Effect.gen(function*() {
    const plans = yield* Plans
    const products = yield* Products
    const prices = yield* Prices
    const features = yield* Features

    /** A publishable key (`onlyPublic`) sees a plan's public prices only, by id or expanded. */
    const planPrices = (plan: Plan, expand: ReadonlySet<Expandable>, onlyPublic: boolean) =>
      !expand.has("prices") && !onlyPublic
        ? Effect.succeed(plan.prices)
        : Effect.map(Effect.forEach(plan.prices, (id) => prices.get(id)), (all) => {
          const shown = onlyPublic ? all.filter((price) => price.public) : all
          return expand.has("prices") ? shown : shown.map((price) => price.id)
        })

    const view = (expand: ReadonlySet<Expandable>, onlyPublic = false) => (plan: Plan) =>
      Effect.all({
        product: expand.has("product") ? products.get(plan.product) : Effect.succeed(plan.product),
        prices: planPrices(plan, expand, onlyPublic),
        features: expand.has("features") ? Effect.forEach(plan.features, (id) => features.get(id)) : Effect.succeed(plan.features)
      }).pipe(Effect.map((refs) => ({ ...plan, ...refs })))

    return handlers
      .handle("create", ({ payload }) => command("plans", "write", plans.create(payload)))
      .handle("list", ({ urlParams }) =>
        command("plans", "read", Effect.gen(function*() {
          const expand = yield* parseExpand(urlParams.expand, expandable)
          const page = yield* toPageRequest(urlParams)
          // Publishable keys (pricing pages) see public plans only.
          const onlyPublic = (yield* CurrentPrincipal).keyType === "publishable"
          const result = yield* plans.list(page, { onlyPublic, product: urlParams.product, connection: urlParams.connection })
          return toList({ ...result, data: yield* Effect.forEach(result.data, view(expand, onlyPublic)) })
        }), { publishable: true }))
      .handle("retrieve", ({ path, urlParams }) =>
        command("plans", "read", Effect.flatMap(parseExpand(urlParams.expand, expandable), (expand) =>
          Effect.flatMap(plans.get(path.ref), view(expand)))))
      .handle("update", ({ path, payload }) => command("plans", "write", plans.update(path.ref, payload)))
  }))
