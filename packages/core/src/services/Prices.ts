/** Prices of a product: flat recurring (week, month, year) or one-off amounts. */
import { Effect } from "effect"
import { Invalid } from "../domain/Errors.js"
import type { PriceCreate, PriceUpdate, Schedule } from "../domain/Price.js"
import { Price } from "../domain/Price.js"
import { IdGenerator } from "../ports/IdGenerator.js"
import * as Collections from "../storage/Collections.js"
import type { PageRequest } from "./Page.js"
import { patch } from "./Patch.js"
import { Products } from "./Products.js"
import { makeRepository } from "./Repository.js"
import { nowIso } from "./Time.js"

export interface PriceFilters {
  readonly product?: string
  readonly currency?: string
  readonly onlyPublic?: boolean
}

/** `recurring` and `schedule` must agree; either one alone decides the other where it can. */
const resolveSchedule = (input: PriceCreate): Effect.Effect<Schedule, Invalid> => {
  if (input.schedule === undefined) {
    return input.recurring === true
      ? Effect.fail(new Invalid({ field: "schedule", message: "is required for a recurring price (week, month or year)" }))
      : Effect.succeed("one-off")
  }
  if (input.recurring === true && input.schedule === "one-off") {
    return Effect.fail(new Invalid({ field: "schedule", message: "cannot be one-off for a recurring price" }))
  }
  if (input.recurring === false && input.schedule !== "one-off") {
    return Effect.fail(new Invalid({ field: "recurring", message: `must be true for a ${input.schedule}ly schedule` }))
  }
  return Effect.succeed(input.schedule)
}

export class Prices extends Effect.Service<Prices>()("@billkit/core/Prices", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const products = yield* Products
    const repo = yield* makeRepository(Collections.Prices, Price, {
      resource: "price",
      index: (p) => ({ product: p.product, currency: p.currency, public: String(p.public), schedule: p.schedule })
    })

    const create = Effect.fn("Prices.create")(function*(productId: string, input: PriceCreate) {
      const schedule = yield* resolveSchedule(input)
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* products.get(productId)
          const price: Price = {
            id: yield* ids.next("price"),
            object: "price",
            product: productId,
            amount: input.amount,
            currency: input.currency,
            recurring: schedule !== "one-off",
            schedule,
            includingTax: input.includingTax ?? false,
            public: input.public ?? true,
            metadata: input.metadata ?? {},
            createdAt: yield* nowIso
          }
          return yield* repo.insert(price).pipe(Effect.orDie)
        })
      )
    })

    /** Only `public` and `metadata` change: amounts of a price are fixed once it exists. */
    const update = Effect.fn("Prices.update")(function*(id: string, input: PriceUpdate) {
      return yield* repo.transaction(
        Effect.flatMap(repo.get(id, true), (current) => repo.update(patch(current, input)).pipe(Effect.orDie))
      )
    })

    const list = Effect.fn("Prices.list")(function*(page: PageRequest, filters: PriceFilters = {}) {
      const where: Record<string, string> = {}
      if (filters.product !== undefined) where.product = filters.product
      if (filters.currency !== undefined) where.currency = filters.currency.toUpperCase()
      if (filters.onlyPublic) where.public = "true"
      return yield* repo.list(page, { where })
    })

    return { create, get: repo.get, find: repo.find, update, list } as const
  }),
  dependencies: [Products.Default]
}) {}
