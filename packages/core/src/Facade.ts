/**
 * The Promise façade: the services for callers who do not use Effect.
 * `await billing.project(projectId).customers.create({ email })`. Inputs are validated by the
 * same schemas as the REST surface; failures reject with the domain errors (`NotFound`,
 * `Conflict`, `Invalid`), never with an Effect wrapper.
 */
import { Cause, Effect, Exit, ParseResult, Schema, type ManagedRuntime } from "effect"
import { ApiKeyCreate } from "./domain/ApiKey.js"
import { CustomerCreate, CustomerUpdate } from "./domain/Customer.js"
import { Invalid } from "./domain/Errors.js"
import { FeatureCreate, FeatureUpdate } from "./domain/Feature.js"
import { PlanCreate, PlanUpdate } from "./domain/Plan.js"
import { PriceCreate, PriceUpdate } from "./domain/Price.js"
import { ProductCreate, ProductUpdate } from "./domain/Product.js"
import type { Mode } from "./ports/Storage.js"
import { ApiKeys } from "./services/ApiKeys.js"
import { Customers, type CustomerFilters } from "./services/Customers.js"
import { Features } from "./services/Features.js"
import { defaultPage, type PageRequest } from "./services/Page.js"
import { Plans } from "./services/Plans.js"
import { Prices, type PriceFilters } from "./services/Prices.js"
import { Products } from "./services/Products.js"
import { CurrentTenant } from "./services/Tenancy.js"

type Services = Customers | Products | Prices | Features | Plans | ApiKeys

/** Checks a TypeScript input against its schema's rules, naming the first offending field. */
const validate = <A, I>(schema: Schema.Schema<A, I>, input: A): Effect.Effect<A, Invalid> =>
  Schema.validate(Schema.typeSchema(schema))(input).pipe(
    Effect.mapError((error) => {
      const [issue] = ParseResult.ArrayFormatter.formatErrorSync(error)
      return new Invalid({ field: issue?.path.join(".") || "input", message: issue?.message ?? error.message })
    })
  )

/** Runs an effect as a Promise that rejects with the failure itself, not an Effect wrapper. */
export const runOrThrow = async <A, E, R>(runtime: ManagedRuntime.ManagedRuntime<R, never>, effect: Effect.Effect<A, E, R>): Promise<A> => {
  const exit = await runtime.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.squash(exit.cause)
}

export const makeFacade = (runtime: ManagedRuntime.ManagedRuntime<Services, never>) =>
  (projectId: string, mode: Mode = "test") => {
    const run = <A, E>(effect: Effect.Effect<A, E, Services | CurrentTenant>): Promise<A> =>
      runOrThrow(runtime, Effect.provideService(effect, CurrentTenant, { projectId, mode }))
    const page = (p?: Partial<PageRequest>): PageRequest => ({ ...defaultPage, ...p })
    /** Validates `input` with `schema`, then runs `use` on it. */
    const validated = <A, I, B, E>(schema: Schema.Schema<A, I>, input: A, use: (valid: A) => Effect.Effect<B, E, Services | CurrentTenant>) =>
      run(Effect.flatMap(validate(schema, input), use))

    return {
      customers: {
        create: (input: CustomerCreate) => validated(CustomerCreate, input, (i) => Effect.flatMap(Customers, (s) => s.create(i))),
        retrieve: (id: string) => run(Effect.flatMap(Customers, (s) => s.get(id))),
        update: (id: string, input: CustomerUpdate) =>
          validated(CustomerUpdate, input, (i) => Effect.flatMap(Customers, (s) => s.update(id, i))),
        archive: (id: string) => run(Effect.flatMap(Customers, (s) => s.archive(id))),
        list: (p?: Partial<PageRequest>, filters?: CustomerFilters) => run(Effect.flatMap(Customers, (s) => s.list(page(p), filters)))
      },
      products: {
        create: (input: ProductCreate) => validated(ProductCreate, input, (i) => Effect.flatMap(Products, (s) => s.create(i))),
        retrieve: (id: string) => run(Effect.flatMap(Products, (s) => s.get(id))),
        update: (id: string, input: ProductUpdate) =>
          validated(ProductUpdate, input, (i) => Effect.flatMap(Products, (s) => s.update(id, i))),
        list: (p?: Partial<PageRequest>) => run(Effect.flatMap(Products, (s) => s.list(page(p))))
      },
      prices: {
        create: (productId: string, input: PriceCreate) =>
          validated(PriceCreate, input, (i) => Effect.flatMap(Prices, (s) => s.create(productId, i))),
        retrieve: (id: string) => run(Effect.flatMap(Prices, (s) => s.get(id))),
        update: (id: string, input: PriceUpdate) =>
          validated(PriceUpdate, input, (i) => Effect.flatMap(Prices, (s) => s.update(id, i))),
        list: (p?: Partial<PageRequest>, filters?: PriceFilters) => run(Effect.flatMap(Prices, (s) => s.list(page(p), filters)))
      },
      features: {
        create: (input: FeatureCreate) => validated(FeatureCreate, input, (i) => Effect.flatMap(Features, (s) => s.create(i))),
        retrieve: (id: string) => run(Effect.flatMap(Features, (s) => s.get(id))),
        update: (id: string, input: FeatureUpdate) =>
          validated(FeatureUpdate, input, (i) => Effect.flatMap(Features, (s) => s.update(id, i))),
        list: (p?: Partial<PageRequest>) => run(Effect.flatMap(Features, (s) => s.list(page(p))))
      },
      plans: {
        create: (input: PlanCreate) => validated(PlanCreate, input, (i) => Effect.flatMap(Plans, (s) => s.create(i))),
        /** By id or `code_name`. */
        retrieve: (ref: string) => run(Effect.flatMap(Plans, (s) => s.get(ref))),
        update: (ref: string, input: PlanUpdate) =>
          validated(PlanUpdate, input, (i) => Effect.flatMap(Plans, (s) => s.update(ref, i))),
        list: (p?: Partial<PageRequest>) => run(Effect.flatMap(Plans, (s) => s.list(page(p))))
      },
      apiKeys: {
        create: (input: ApiKeyCreate) => validated(ApiKeyCreate, input, (i) => Effect.flatMap(ApiKeys, (s) => s.create(i))),
        revoke: (id: string) => run(Effect.flatMap(ApiKeys, (s) => s.revoke(id))),
        list: (p?: Partial<PageRequest>) => run(Effect.flatMap(ApiKeys, (s) => s.list(page(p))))
      }
    }
  }

export type ProjectFacade = ReturnType<ReturnType<typeof makeFacade>>
