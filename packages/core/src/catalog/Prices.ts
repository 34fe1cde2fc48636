/**
 * Prices of a product: flat recurring (week, month, year) or one-off amounts, and usage prices
 * (a metric and a charge model), billed in arrears each period.
 */
import { Effect, Option } from "effect"
import { Invalid } from "../kernel/Errors.js"
import type { PriceCreate, PriceTier, PriceUpdate, Schedule } from "./domain/Price.js"
import { Price } from "./domain/Price.js"
import { Metrics } from "./Metrics.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { patch } from "../kernel/Patch.js"
import { Products } from "./Products.js"
import { makeRepository } from "../kernel/Repository.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { PriceRecords } from "./domain/Records.js"
import { notImported } from "../kernel/ProviderLink.js"

export interface PriceFilters {
  readonly product?: string
  readonly currency?: string
  readonly onlyPublic?: boolean
  readonly connection?: string | undefined
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

type UsageFields = Pick<Price, "metric" | "chargeModel" | "unitAmountDecimal" | "tiers" | "packageSize">

const invalid = (field: string, message: string) => Effect.fail(new Invalid({ field, message }))

/**
 * The charge-model fields of a usage price, checked: each model takes its own fields and refuses
 * the others' (per_unit: `unit_amount_decimal`; graduated and volume: `tiers`, rising, the last
 * unbounded; package: `package_size` and `amount` per package).
 */
const usagePricing = (input: PriceCreate, metric: string): Effect.Effect<UsageFields, Invalid> => {
  const model = input.chargeModel ?? "per_unit"
  const given = {
    unit_amount_decimal: input.unitAmountDecimal !== undefined,
    tiers: input.tiers !== undefined,
    package_size: input.packageSize !== undefined
  }
  const takes: Record<typeof model, ReadonlyArray<keyof typeof given>> = {
    per_unit: ["unit_amount_decimal"],
    graduated: ["tiers"],
    volume: ["tiers"],
    package: ["package_size"]
  }
  for (const field of takes[model]) if (!given[field]) return invalid(field, `is required for the ${model} charge model`)
  for (const field of Object.keys(given) as Array<keyof typeof given>) {
    if (given[field] && !takes[model].includes(field)) return invalid(field, `does not apply to the ${model} charge model`)
  }
  if (model !== "package" && (input.amount ?? 0) !== 0) {
    return invalid("amount", `must be 0 or omitted for the ${model} charge model (the unit price is ${model === "per_unit" ? "unit_amount_decimal" : "in tiers"})`)
  }
  if (model === "package" && input.amount === undefined) return invalid("amount", "is required for the package charge model (the amount per package)")
  let tiers: Array<PriceTier> | undefined
  if (input.tiers !== undefined) {
    tiers = []
    for (const [i, tier] of input.tiers.entries()) {
      const last = i === input.tiers.length - 1
      if (last && tier.upTo !== null) return invalid(`tiers[${i}].up_to`, "must be null on the last tier (unbounded)")
      if (!last && tier.upTo === null) return invalid(`tiers[${i}].up_to`, "may be null on the last tier only")
      const previous = i === 0 ? 0 : input.tiers[i - 1].upTo ?? 0
      if (tier.upTo !== null && tier.upTo <= previous) return invalid(`tiers[${i}].up_to`, `must be greater than the previous tier's (${previous})`)
      tiers.push({ upTo: tier.upTo, unitAmountDecimal: tier.unitAmountDecimal ?? "0", flatAmount: tier.flatAmount ?? 0 })
    }
  }
  return Effect.succeed({
    metric,
    chargeModel: model,
    ...(input.unitAmountDecimal !== undefined ? { unitAmountDecimal: input.unitAmountDecimal } : {}),
    ...(tiers !== undefined ? { tiers } : {}),
    ...(input.packageSize !== undefined ? { packageSize: input.packageSize } : {})
  })
}

/** A usage price is billed each period: its schedule is recurring (month unless given). */
const usageSchedule = (input: PriceCreate): Effect.Effect<Schedule, Invalid> =>
  input.schedule === "one-off"
    ? invalid("schedule", "cannot be one-off for a usage price (it is billed each period)")
    : input.recurring === false
    ? invalid("recurring", "must be true for a usage price (it is billed each period)")
    : Effect.succeed(input.schedule ?? "month")

export class Prices extends Effect.Service<Prices>()("@billkit/core/Prices", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const products = yield* Products
    const metrics = yield* Metrics
    const repo = yield* makeRepository(PriceRecords)

    /** The usage fields of a price, with its metric (id or code) resolved to an id. */
    const usage = (input: PriceCreate) =>
      Effect.gen(function*() {
        if (input.metric === undefined) {
          const stray = input.chargeModel !== undefined ? "charge_model"
            : input.unitAmountDecimal !== undefined ? "unit_amount_decimal"
            : input.tiers !== undefined ? "tiers"
            : input.packageSize !== undefined ? "package_size"
            : undefined
          if (stray !== undefined) return yield* invalid(stray, "applies to usage prices only: set metric too")
          if (input.amount === undefined) return yield* invalid("amount", "is required")
          return {}
        }
        const metric = yield* metrics.resolve(input.metric)
        if (Option.isNone(metric)) return yield* invalid("metric", `no such metric: ${input.metric}`)
        return yield* usagePricing(input, metric.value.id)
      })

    const create = traced("Prices.create")(function*(productId: string, input: PriceCreate) {
      const schedule = input.metric === undefined ? yield* resolveSchedule(input) : yield* usageSchedule(input)
      const pricing = yield* usage(input)
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* products.get(productId)
          const price: Price = {
            id: yield* ids.next("price"),
            object: "price",
            ...notImported,
            product: productId,
            amount: input.amount ?? 0,
            currency: input.currency,
            recurring: schedule !== "one-off",
            schedule,
            includingTax: input.includingTax ?? false,
            public: input.public ?? true,
            metadata: input.metadata ?? {},
            ...pricing,
            createdAt: yield* nowIso
          }
          return yield* repo.insert(price).pipe(Effect.orDie)
        })
      )
    })

    /** Only `public` and `metadata` change: amounts of a price are fixed once it exists. */
    const update = traced("Prices.update")(function*(id: string, input: PriceUpdate) {
      return yield* repo.transaction(
        Effect.flatMap(repo.get(id, true), (current) => repo.update(patch(current, input)).pipe(Effect.orDie))
      )
    })

    const list = traced("Prices.list")(function*(page: PageRequest, filters: PriceFilters = {}) {
      const where: Record<string, string> = {}
      if (filters.product !== undefined) where.product = filters.product
      if (filters.currency !== undefined) where.currency = filters.currency.toUpperCase()
      if (filters.onlyPublic) where.public = "true"
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* repo.list(page, { where })
    })

    return { create, get: repo.get, find: repo.find, update, list } as const
  }),
  dependencies: [Products.Default, Metrics.Default]
}) {}
