/**
 * Stripe subscriptions into Billkit subscriptions, as mirrors (`managed_by: "stripe"`): Stripe
 * bills them, Billkit shows them; a subscription of the connection that Billkit bills
 * (`managed_by: "billkit"`) is left alone. The plan is the one of the price's product.
 */
import { Effect, Option } from "effect"
import { nthPeriod } from "../kernel/Period.js"
import { providerKey } from "../kernel/ProviderLink.js"
import { isoAt } from "../kernel/Time.js"
import { dataOf, type ImportContext, type KindImport } from "./ImportContext.js"
import { at, idOf, type Interval, metadataOf, num, obj, str } from "./StripeJson.js"

/** Subscriptions, with their customer, price and plan. */
export const subscriptionImports = (
  { of, products, cache, productsById, link, lookup, prefetch, prefetchExisting, upsert }: ImportContext
): { readonly subscriptions: KindImport } => ({
  subscriptions: {
    prefetch: (connection, page, own) =>
      Effect.gen(function*() {
        yield* prefetch(of.customers, connection, page.map((o) => idOf(dataOf(o).customer)))
        const priceIds = page.map((o) => {
          const items = obj(dataOf(o).items)?.data
          return Array.isArray(items) ? idOf(obj(items[0])?.price) : null
        })
        yield* prefetch(of.prices, connection, priceIds)
        // Each price's plan is found by its product's Stripe id: the products first, by Billkit id.
        const pagePrices = priceIds.flatMap((id) => {
          const price = id === null ? undefined : cache.get(`price|${providerKey(connection, id)}`) as { readonly product: string } | undefined
          return price === undefined ? [] : [price]
        })
        const unknownProducts = new Set(pagePrices.map((p) => p.product).filter((id) => !productsById.has(id)))
        for (const product of yield* products.findMany("id", [...unknownProducts])) productsById.set(product.id, product)
        yield* prefetch(of.plans, connection, pagePrices.map((p) => productsById.get(p.product)?.providerIds?.stripe ?? null))
        return yield* prefetchExisting(of.subscriptions, connection, own)
      }),
    importOne: ({ connection, o, d, created, now }) =>
      Effect.gen(function*() {
        const customer = yield* lookup(of.customers, connection, idOf(d.customer))
        const items = Array.isArray(obj(d.items)?.data) ? (obj(d.items)!.data as Array<unknown>) : []
        const item = obj(items[0]) ?? {}
        const price = yield* lookup(of.prices, connection, idOf(item.price))
        if (Option.isNone(customer)) return `subscription ${o.id}: its customer ${idOf(d.customer)} was not imported`
        if (Option.isNone(price) || price.value.schedule === "one-off") {
          return `subscription ${o.id}: its price ${idOf(item.price)} was not imported as a recurring price`
        }
        // The price's plan is its product's: found by the product's Stripe id.
        const product = productsById.has(price.value.product)
          ? Option.some(productsById.get(price.value.product)!)
          : yield* products.find(price.value.product)
        const productStripeId = Option.isSome(product) ? product.value.providerIds?.stripe ?? null : null
        const plan = yield* lookup(of.plans, connection, productStripeId)
        if (Option.isNone(plan)) return `subscription ${o.id}: no plan for its product`
        const interval = price.value.schedule as Interval
        // Stripe's API (2025-03-31 on) keeps the period on the item; older versions on the subscription.
        const periodStartS = num(item.current_period_start) ?? num(d.current_period_start)
        const periodEndS = num(item.current_period_end) ?? num(d.current_period_end)
        const fallback = nthPeriod(o.created * 1000, interval, 0)
        const periodStart = periodStartS === null ? isoAt(fallback.start) : isoAt(periodStartS * 1000)
        const periodEnd = periodEndS === null ? isoAt(fallback.end) : isoAt(periodEndS * 1000)
        const status = str(d.status) ?? o.status ?? "active"
        return yield* upsert(of.subscriptions, connection, o.id, (id, existing) => {
          // Billkit's own now (migrated off Stripe, or made by Billkit): Stripe's view of it is no longer the truth.
          if (existing !== null && existing.managedBy === "billkit") return existing
          return {
            id,
            object: "subscription" as const,
            customer: customer.value.id,
            plan: plan.value.id,
            price: price.value.id,
            currency: price.value.currency,
            interval,
            seats: Math.max(1, Math.round(num(item.quantity) ?? 1)),
            status: status === "incomplete_expired" ? "canceled" as const
              : (["trialing", "active", "past_due", "unpaid", "paused", "canceled", "incomplete"] as const)
                .find((s) => s === status) ?? "active" as const,
            billingAnchor: at(d.billing_cycle_anchor) ?? periodStart,
            currentPeriodStart: periodStart,
            currentPeriodEnd: periodEnd,
            trialStart: at(d.trial_start),
            trialEnd: at(d.trial_end),
            trialWillEndSent: true,
            cancelAtPeriodEnd: d.cancel_at_period_end === true,
            cancelAt: at(d.cancel_at),
            cancelRefundType: null,
            cancelComment: null,
            canceledAt: at(d.canceled_at),
            endedAt: at(d.ended_at),
            pausedAt: null,
            scheduledChange: null,
            prepaid: null,
            paymentMethod: null,
            latestInvoice: existing?.latestInvoice ?? null,
            metadata: metadataOf(d.metadata),
            ...link(connection, o.id),
            managedBy: "stripe" as const,
            // A migration under way is Billkit's own record, never Stripe's to overwrite.
            migration: existing?.migration ?? null,
            createdAt: created,
            updatedAt: now
          }
        })
      })
  }
})
