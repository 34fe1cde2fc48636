/**
 * Stripe products and prices into Billkit's catalogue: each product with one plan of its own
 * (what a subscription names, holding the product's prices), each price with a schedule Billkit
 * knows (one week, month or year, or one-off) on its product's plan.
 */
import { Effect, Option } from "effect"
import { providerKey } from "../kernel/ProviderLink.js"
import { dataOf, type ImportContext, type KindImport } from "./ImportContext.js"
import { clip, currencyOf, idOf, type Interval, intervals, metadataOf, minor, num, obj, str } from "./StripeJson.js"

/** Products (each with its plan) and prices. */
export const catalogImports = (
  { of, plans, cache, link, lookup, prefetch, prefetchExisting, stageUpdate, upsert }: ImportContext
): { readonly products: KindImport; readonly prices: KindImport } => ({
  products: {
    prefetch: (connection, page, own) =>
      Effect.gen(function*() {
        yield* prefetchExisting(of.products, connection, own)
        return yield* prefetchExisting(of.plans, connection, own)
      }),
    importOne: ({ connection, o, d, created, now }) =>
      Effect.gen(function*() {
        const name = clip(d.name, 200) ?? o.id
        const result = yield* upsert(of.products, connection, o.id, (id, existing) => ({
          id,
          object: "product" as const,
          name,
          description: str(d.description),
          taxType: existing?.taxType ?? "standard",
          physical: d.shippable === true,
          active: d.active !== false,
          metadata: metadataOf(d.metadata),
          ...link(connection, o.id),
          createdAt: created,
          updatedAt: now
        }))
        const product = (yield* lookup(of.products, connection, o.id)).pipe(Option.getOrThrow)
        // One plan per product: what a subscription names, holding the product's prices.
        yield* upsert(of.plans, connection, o.id, (id, existing) => ({
          id,
          object: "plan" as const,
          name,
          codeName: `${connection}:${o.id}`,
          product: product.id,
          prices: existing?.prices ?? [],
          features: existing?.features ?? [],
          limits: existing?.limits ?? [],
          perSeat: true,
          userCount: 1,
          hasTrial: false,
          trialLengthDays: 0,
          isTrialStandalone: false,
          free: false,
          public: false,
          metadata: existing?.metadata ?? {},
          ...link(connection, o.id),
          createdAt: created,
          updatedAt: now
        }))
        return result
      })
  },
  prices: {
    prefetch: (connection, page, own) =>
      Effect.gen(function*() {
        const productIds = page.map((o) => idOf(dataOf(o).product))
        yield* prefetch(of.products, connection, productIds)
        yield* prefetch(of.plans, connection, productIds)
        return yield* prefetchExisting(of.prices, connection, own)
      }),
    importOne: ({ connection, o, d, created, now }) =>
      Effect.gen(function*() {
        const product = yield* lookup(of.products, connection, idOf(d.product))
        const currency = currencyOf(d.currency)
        const recurring = obj(d.recurring)
        const interval = recurring === null ? null : str(recurring.interval)
        if (Option.isNone(product)) return `price ${o.id}: its product ${idOf(d.product)} was not imported`
        if (currency === null) return `price ${o.id}: currency ${String(d.currency)} is not one Billkit knows`
        if (recurring !== null && (!intervals.includes(interval as Interval) || (num(recurring.interval_count) ?? 1) !== 1)) {
          return `price ${o.id}: every ${num(recurring.interval_count) ?? 1} ${interval} has no Billkit schedule`
        }
        const result = yield* upsert(of.prices, connection, o.id, (id) => ({
          id,
          object: "price" as const,
          product: product.value.id,
          amount: minor(d.unit_amount),
          currency,
          recurring: recurring !== null,
          schedule: recurring === null ? "one-off" as const : interval as Interval,
          includingTax: d.tax_behavior === "inclusive",
          public: false,
          metadata: metadataOf(d.metadata),
          ...link(connection, o.id),
          createdAt: created
        }))
        const price = (yield* lookup(of.prices, connection, o.id)).pipe(Option.getOrThrow)
        const plan = yield* lookup(of.plans, connection, idOf(d.product))
        if (Option.isSome(plan) && !plan.value.prices.includes(price.id)) {
          const withPrice = { ...plan.value, prices: [...plan.value.prices, price.id], updatedAt: now }
          stageUpdate(plans, withPrice)
          cache.set(`plan|${providerKey(connection, idOf(d.product)!)}`, withPrice)
        }
        return result
      })
  }
})
