/**
 * Plans: prices of one product with the features and limits they grant. References are checked
 * when written (a plan never points at a missing price or feature), and features may be named by
 * code; they are stored by id.
 */
import { Effect, Option } from "effect"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import type { PlanCreate, PlanUpdate } from "./domain/Plan.js"
import { Plan } from "./domain/Plan.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Features } from "./Features.js"
import type { PageRequest } from "../kernel/Page.js"
import { patch } from "../kernel/Patch.js"
import { Prices } from "./Prices.js"
import { Products } from "./Products.js"
import { makeRepository } from "../kernel/Repository.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { PlanRecords } from "./domain/Records.js"
import { notImported } from "../kernel/ProviderLink.js"

const duplicateCodeName = () => new Conflict({ field: "code_name", message: "A plan with this code_name already exists" })

export class Plans extends Effect.Service<Plans>()("@billkit/core/Plans", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const products = yield* Products
    const prices = yield* Prices
    const features = yield* Features
    const repo = yield* makeRepository(PlanRecords)

    const featureId = (ref: string, field: string) =>
      Effect.flatMap(features.resolve(ref), (f) =>
        f === undefined ? Effect.fail(new Invalid({ field, message: `no such feature: ${ref}` })) : Effect.succeed(f.id)
      )

    /** Checks every reference of a plan and returns its features and limits by id. */
    const resolveReferences = (product: string, input: PlanCreate | PlanUpdate) =>
      Effect.gen(function*() {
        const priceIds = input.prices
        if (priceIds !== undefined) {
          yield* Effect.forEach(priceIds, (id, i) =>
            Effect.flatMap(prices.find(id), Option.match({
              onNone: () => Effect.fail(new Invalid({ field: `prices[${i}]`, message: `no such price: ${id}` })),
              onSome: (price) =>
                price.product === product
                  ? Effect.void
                  : Effect.fail(new Invalid({ field: `prices[${i}]`, message: `belongs to another product (${price.product})` }))
            })))
        }
        const featureIds = input.features === undefined
          ? undefined
          : yield* Effect.forEach(input.features, (ref, i) => featureId(ref, `features[${i}]`))
        const limits = input.limits === undefined
          ? undefined
          : yield* Effect.forEach(input.limits, (l, i) =>
            Effect.map(featureId(l.feature, `limits[${i}].feature`), (feature) => ({ feature, limit: l.limit })))
        return { prices: priceIds, features: featureIds, limits }
      })

    const checkTrial = (plan: Plan) =>
      plan.hasTrial && plan.trialLengthDays < 1
        ? Effect.fail(new Invalid({ field: "trial_length_days", message: "must be at least 1 when has_trial is true" }))
        : Effect.void

    const create = traced("Plans.create")(function*(input: PlanCreate) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* products.find(input.product).pipe(
            Effect.filterOrFail(Option.isSome, () => new Invalid({ field: "product", message: `no such product: ${input.product}` }))
          )
          const refs = yield* resolveReferences(input.product, input)
          const now = yield* nowIso
          const plan: Plan = {
            id: yield* ids.next("plan"),
            object: "plan",
            ...notImported,
            name: input.name,
            codeName: input.codeName,
            product: input.product,
            prices: refs.prices ?? [],
            features: refs.features ?? [],
            limits: refs.limits ?? [],
            perSeat: input.perSeat ?? false,
            userCount: input.userCount ?? 1,
            hasTrial: input.hasTrial ?? (input.trialLengthDays ?? 0) > 0,
            trialLengthDays: input.trialLengthDays ?? 0,
            isTrialStandalone: input.isTrialStandalone ?? false,
            free: input.free ?? false,
            public: input.public ?? true,
            metadata: input.metadata ?? {},
            createdAt: now,
            updatedAt: now
          }
          yield* checkTrial(plan)
          return yield* repo.insert(plan).pipe(Effect.mapError(duplicateCodeName))
        })
      )
    })

    /** A plan by id (`plan_…`) or by `code_name`. */
    const get = traced("Plans.get")(function*(ref: string) {
      const found = ref.startsWith("plan_") ? yield* repo.find(ref) : yield* repo.findBy("code_name", ref)
      return yield* Option.match(found, {
        onNone: () => Effect.fail(new NotFound({ resource: "plan", id: ref })),
        onSome: Effect.succeed
      })
    })

    const update = traced("Plans.update")(function*(ref: string, input: PlanUpdate) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const current = yield* get(ref)
          const refs = yield* resolveReferences(current.product, input)
          const { features: _f, limits: _l, prices: _p, ...scalars } = input
          const next: Plan = {
            ...patch(current, scalars),
            prices: refs.prices ?? current.prices,
            features: refs.features ?? current.features,
            limits: refs.limits ?? current.limits,
            updatedAt: yield* nowIso
          }
          yield* checkTrial(next)
          return yield* repo.update(next).pipe(Effect.mapError(duplicateCodeName))
        })
      )
    })

    const list = traced("Plans.list")(function*(page: PageRequest, filters: { readonly onlyPublic?: boolean; readonly product?: string; readonly connection?: string | undefined } = {}) {
      const where: Record<string, string> = {}
      if (filters.onlyPublic) where.public = "true"
      if (filters.product !== undefined) where.product = filters.product
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* repo.list(page, { where })
    })

    return { create, get, update, list } as const
  }),
  dependencies: [Products.Default, Prices.Default, Features.Default]
}) {}
