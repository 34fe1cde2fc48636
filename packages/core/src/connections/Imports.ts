/**
 * Importing a provider account into Billkit's own records: each page a sync stores is also
 * turned into customers, products (each with one plan), prices, subscriptions, invoices,
 * payments (from charges) and refunds, in the same transaction as the page and its cursor, so
 * a killed run resumes exactly where the records stop. Each record carries its `connection` and
 * `provider_ids`; its `provider_key` (`<connection>:<provider id>`, unique) is how a re-run finds
 * it and updates it instead of adding another. Balance transactions are the account's own
 * ledger (fees, payouts), not a customer's balance: they stay provider objects.
 *
 * Subscriptions come in as mirrors (`managed_by: "stripe"`): Stripe bills them, Billkit shows
 * them; a subscription of the connection that Billkit bills (`managed_by: "billkit"`) is left alone.
 * Charges and refunds Billkit made itself (their metadata names a Billkit payment or refund, or
 * a Billkit record already holds their provider reference) are not imported twice.
 */
import { BigDecimal, Effect, Option } from "effect"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { nthPeriod } from "../kernel/Period.js"
import { providerKey } from "../kernel/ProviderLink.js"
import { makeRepository } from "../kernel/Repository.js"
import { isoAt } from "../kernel/Time.js"
import { CustomerRecords } from "../customers/domain/index.js"
import { PlanRecords, PriceRecords, ProductRecords } from "../catalog/domain/index.js"
import { SubscriptionRecords } from "../subscriptions/domain/index.js"
import { InvoiceRecords } from "../invoicing/domain/index.js"
import { PaymentRecords, RefundRecords } from "../payments/domain/index.js"
import type { ProviderObject, SyncedType } from "./ProviderAccounts.js"
import { collection, keyOf, makePageWrites, type ImportCollection, type Linked } from "./ImportWrites.js"
import { at, clip, currencyOf, idOf, type Interval, intervals, type Json, metadataOf, minor, num, obj, str, whole } from "./StripeJson.js"


/** What one page's import did: records made, records updated, objects left out (with why). */
export interface ImportOutcome {
  readonly created: number
  readonly updated: number
  readonly skipped: ReadonlyArray<string>
}

/**
 * Everything an import needs, made once per run: the repositories and a cache of provider id →
 * Billkit record. A page is imported set-wise: its existing records and every record it refers
 * to are read with one `findMany` per collection before its objects are mapped, and its writes
 * leave together at the end (see `makePageWrites`), inside the page's transaction.
 */
export const makeImporter = Effect.gen(function*() {
  const ids = yield* IdGenerator
  const customers = yield* makeRepository(CustomerRecords)
  const products = yield* makeRepository(ProductRecords)
  const plans = yield* makeRepository(PlanRecords)
  const prices = yield* makeRepository(PriceRecords)
  const subscriptions = yield* makeRepository(SubscriptionRecords)
  const invoices = yield* makeRepository(InvoiceRecords)
  const payments = yield* makeRepository(PaymentRecords)
  const refunds = yield* makeRepository(RefundRecords)

  /**
   * Each collection with what the run keeps of its records for later pages to refer to: all of a
   * catalogue record (a handful), only what a reference needs of the tens of thousands of
   * customers, subscriptions, invoices and payments (whole records would hold the account in memory).
   */
  const of = {
    customers: collection(customers, "customer", (c) => ({ id: c.id })),
    products: collection(products, "product", (p) => p),
    plans: collection(plans, "plan", (p) => p),
    prices: collection(prices, "price", (p) => p),
    subscriptions: collection(subscriptions, "subscription", (s) => ({ id: s.id }), true),
    invoices: collection(invoices, "invoice", (i) => ({ id: i.id })),
    payments: collection(payments, "payment", (p) => ({ id: p.id, customer: p.customer, invoice: p.invoice, currency: p.currency })),
    refunds: collection(refunds, "refund", (r) => ({ id: r.id }))
  }

  /**
   * Records by `<kind>|<provider key>`, and products by Billkit id: what earlier pages of the run
   * imported or looked up. The importer lives for one worker's turn at a run: a page whose
   * transaction fails ends that turn (and the cache with it), so the cache never names a record
   * that was rolled back.
   */
  const cache = new Map<string, unknown>()
  const productsById = new Map<string, Option.Option.Value<Effect.Effect.Success<ReturnType<typeof products.find>>>>()

  // What the page being imported prefetched (set by `importPage`).
  /** Provider ids of the page stored for the first time: their records cannot exist yet. */
  let fresh: ReadonlySet<string> = new Set()
  /** Cache keys looked up for this page and not found. */
  let absent = new Set<string>()
  /** The page's own records that exist, by cache key (new ones join as they are made). */
  let existing = new Map<string, Linked>()
  let writes = makePageWrites()

  /** Reads the records of `kind` for `providerIds` not yet in the cache, in one query: references of a page. */
  const prefetch = <A extends Linked, R>({ repo, kind, keep }: ImportCollection<A, R>, connection: string, providerIds: Iterable<string | null>) =>
    Effect.gen(function*() {
      const wanted = new Set<string>()
      for (const providerId of providerIds) {
        if (providerId !== null && !cache.has(`${kind}|${providerKey(connection, providerId)}`)) wanted.add(providerKey(connection, providerId))
      }
      if (wanted.size === 0) return
      for (const record of yield* repo.findMany("provider_key", [...wanted])) cache.set(`${kind}|${keyOf(record)}`, keep(record))
      for (const key of wanted) if (!cache.has(`${kind}|${key}`)) absent.add(`${kind}|${key}`)
    })

  /** Reads which of the page's own objects already have a record of `kind`, in one query. */
  const prefetchExisting = <A extends Linked, R>({ kind, locked, repo }: ImportCollection<A, R>, connection: string, providerIds: ReadonlyArray<string>) =>
    Effect.gen(function*() {
      const keys = providerIds.filter((id) => !fresh.has(id)).map((id) => providerKey(connection, id))
      for (const record of yield* repo.findMany("provider_key", keys, locked)) existing.set(`${kind}|${keyOf(record)}`, record)
    })

  /**
   * A reference (a subscription's customer, a refund's payment) by the provider id: the cache,
   * which the page's prefetch filled, else (an object the prefetch did not foresee) the unique index.
   */
  const lookup = <A extends Linked, R>({ repo, kind, keep }: ImportCollection<A, R>, connection: string, providerId: string | null) =>
    Effect.gen(function*() {
      if (providerId === null) return Option.none<R>()
      const key = `${kind}|${providerKey(connection, providerId)}`
      const cached = cache.get(key) as R | undefined
      if (cached !== undefined) return Option.some(cached)
      if (absent.has(key)) return Option.none<R>()
      const found = Option.map(yield* repo.findBy("provider_key", providerKey(connection, providerId)), keep)
      if (Option.isSome(found)) cache.set(key, found.value)
      return found
    })

  /** Stages `make(id)` as new, or as the update of the record the key already names; answers which. */
  const upsert = <A extends Linked, R>(
    { repo, kind, keep }: ImportCollection<A, R>,
    connection: string,
    providerId: string,
    make: (id: string, existing: A | null) => A | null
  ) =>
    Effect.gen(function*() {
      const key = `${kind}|${providerKey(connection, providerId)}`
      const found = existing.get(key) as A | undefined
      if (found !== undefined) {
        const next = make(found.id, found)
        if (next !== null && next !== found) {
          writes.update(repo, next)
          existing.set(key, next)
        }
        cache.set(key, keep(next ?? found))
        return "updated" as const
      }
      const next = make(yield* ids.next(kind), null)
      if (next === null) return "skipped" as const
      writes.insert(repo, next)
      existing.set(key, next)
      cache.set(key, keep(next))
      return "created" as const
    })

  const link = (connection: string, providerId: string) => ({ connection, providerIds: { stripe: providerId } })

  /** Payment provider references held by a record (the charge of a payment Billkit made): read per page. */
  let takenPaymentRefs = new Set<string>()
  /** The first refund (by id) holding each refund provider reference of the page. */
  let refundsByRef = new Map<string, { readonly connection: string | null }>()

  const importOne = (connection: string, type: SyncedType, o: ProviderObject, now: string) =>
    Effect.gen(function*() {
      const d = o.data as Json
      const created = isoAt(o.created * 1000)
      switch (type) {
        case "customers": {
          const address = obj(d.address) ?? {}
          const country = str(address.country)?.toUpperCase() ?? null
          return yield* upsert(of.customers, connection, o.id, (id, existing) => ({
            id,
            object: "customer" as const,
            email: str(d.email) ?? "",
            name: clip(d.name, 200),
            taxNumber: existing?.taxNumber ?? null,
            standardTaxRate: existing?.standardTaxRate ?? null,
            digitalTaxRate: existing?.digitalTaxRate ?? null,
            billingType: existing?.billingType ?? "card",
            type: existing?.type ?? "individual",
            reference: existing?.reference ?? null,
            externalReference: existing?.externalReference ?? null,
            address: {
              companyName: existing?.address.companyName ?? null,
              streetLineOne: clip(address.line1, 200),
              streetLineTwo: clip(address.line2, 200),
              city: clip(address.city, 200),
              region: clip(address.state, 200),
              country: country !== null && /^[A-Z]{2}$/.test(country) ? country : null,
              postcode: clip(address.postal_code, 40)
            },
            locale: existing?.locale ?? (str(Array.isArray(d.preferred_locales) ? d.preferred_locales[0] : null) ?? "en"),
            brand: existing?.brand ?? "default",
            invoiceFormat: existing?.invoiceFormat ?? "pdf",
            marketingOptIn: existing?.marketingOptIn ?? false,
            metadata: metadataOf(d.metadata),
            status: d.deleted === true ? "archived" as const : "active" as const,
            ...link(connection, o.id),
            createdAt: created,
            updatedAt: now,
            archivedAt: d.deleted === true ? existing?.archivedAt ?? now : null
          }))
        }
        case "products": {
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
        }
        case "prices": {
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
            writes.update(plans, withPrice)
            cache.set(`plan|${providerKey(connection, idOf(d.product)!)}`, withPrice)
          }
          return result
        }
        case "subscriptions": {
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
        }
        case "invoices": {
          const customer = yield* lookup(of.customers, connection, idOf(d.customer))
          if (Option.isNone(customer)) return `invoice ${o.id}: its customer ${idOf(d.customer)} was not imported`
          const currency = currencyOf(d.currency) ?? currencyOf(o.currency)
          if (currency === null) return `invoice ${o.id}: currency ${String(d.currency)} is not one Billkit knows`
          const parent = obj(obj(d.parent)?.subscription_details)
          const subscription = yield* lookup(of.subscriptions, connection, idOf(d.subscription) ?? idOf(parent?.subscription))
          const total = Math.round(num(d.total) ?? o.amount ?? 0)
          const subTotal = Math.round(num(d.subtotal) ?? total)
          const lineData = Array.isArray(obj(d.lines)?.data) ? (obj(d.lines)!.data as Array<unknown>).map((l) => obj(l) ?? {}) : []
          const lines = (lineData.length > 0 ? lineData : [{ amount: subTotal, description: str(d.description) ?? `Invoice ${str(d.number) ?? o.id}` }])
            .map((l) => {
              const amount = Math.round(num(l.amount) ?? 0)
              const quantity = Math.max(0, Math.round(num(l.quantity) ?? 1))
              const period = obj(l.period)
              return {
                type: obj(l.parent)?.subscription_item_details !== undefined || str(l.subscription) !== null
                  ? "subscription" as const
                  : "one_off" as const,
                description: str(l.description) ?? "",
                subscription: Option.isSome(subscription) ? subscription.value.id : null,
                price: null,
                quantity: whole(quantity),
                unitAmount: quantity === 0 ? whole(0) : BigDecimal.unsafeDivide(whole(amount), whole(quantity)),
                amount,
                discount: 0,
                subTotal: amount,
                taxRate: whole(0),
                taxTotal: 0,
                total: amount,
                includingTax: false,
                period: period !== null && num(period.start) !== null && num(period.end) !== null
                  ? { start: at(period.start)!, end: at(period.end)! }
                  : null,
                proration: null
              }
            })
          const periods = lines.flatMap((l) => (l.period === null ? [] : [l.period]))
          const invoiceStatus = str(d.status) ?? o.status
          const paid = invoiceStatus === "paid"
          const amountDue = minor(d.amount_due ?? total)
          const amountPaid = minor(d.amount_paid ?? (paid ? total : 0))
          const transitions = obj(d.status_transitions) ?? {}
          const status = (["draft", "open", "paid", "void", "uncollectible"] as const).find((s) => s === invoiceStatus) ?? "open"
          return yield* upsert(of.invoices, connection, o.id, (id) => ({
            id,
            object: "invoice" as const,
            number: str(d.number),
            customer: customer.value.id,
            subscription: Option.isSome(subscription) ? subscription.value.id : null,
            status,
            billingReason: (["subscription_create", "subscription_cycle", "subscription_update"] as const)
              .find((r) => r === d.billing_reason) ?? "manual" as const,
            collectionMethod: d.collection_method === "send_invoice" ? "send_invoice" as const : "charge_automatically" as const,
            currency,
            lines,
            discounts: [],
            subTotal,
            discountTotal: 0,
            taxTotal: total - subTotal,
            total,
            balanceApplied: 0,
            amountDue,
            amountPaid,
            amountCredited: 0,
            amountRemaining: minor(d.amount_remaining ?? Math.max(0, amountDue - amountPaid)),
            periodStart: periods.length > 0 ? periods.map((p) => p.start).sort()[0] : at(d.period_start),
            periodEnd: periods.length > 0 ? periods.map((p) => p.end).sort().at(-1)! : at(d.period_end),
            dueDate: at(d.due_date),
            attemptCount: Math.round(num(d.attempt_count) ?? 0),
            // Never retried by Billkit's dunning: Stripe collects its own invoices.
            nextPaymentAttempt: null,
            metadata: metadataOf(d.metadata),
            ...link(connection, o.id),
            createdAt: created,
            finalizedAt: at(transitions.finalized_at) ?? (status === "draft" ? null : created),
            paidAt: at(transitions.paid_at) ?? (paid ? created : null),
            voidedAt: at(transitions.voided_at),
            markedUncollectibleAt: at(transitions.marked_uncollectible_at)
          }))
        }
        case "charges": {
          const metadata = obj(d.metadata) ?? {}
          if (str(metadata.billkit_payment) !== null || str(metadata.billkit_idempotency_key) !== null) return "skipped" as const
          if (o.paymentIntent !== null && takenPaymentRefs.has(o.paymentIntent)) return "skipped" as const
          const customer = yield* lookup(of.customers, connection, o.customer)
          if (Option.isNone(customer)) return `charge ${o.id}: it has no imported customer`
          const currency = currencyOf(o.currency)
          if (currency === null) return `charge ${o.id}: currency ${String(o.currency)} is not one Billkit knows`
          const invoice = yield* lookup(of.invoices, connection, idOf(d.invoice))
          const status = o.status === "succeeded" ? "succeeded" as const : o.status === "failed" ? "failed" as const : "pending" as const
          // The payment holds the intent from here on: a later charge of the page naming it is skipped, as a stored one would be.
          if (o.paymentIntent !== null) takenPaymentRefs.add(o.paymentIntent)
          return yield* upsert(of.payments, connection, o.id, (id) => ({
            id,
            object: "payment" as const,
            customer: customer.value.id,
            invoice: Option.isSome(invoice) ? invoice.value.id : null,
            amount: minor(o.amount),
            currency,
            status,
            paymentMethod: null,
            failureCode: str(d.failure_code),
            failureMessage: str(d.failure_message),
            amountRefunded: minor(o.refunded),
            providerRef: o.paymentIntent ?? o.id,
            attempt: null,
            idempotencyKey: null,
            nextActionUrl: null,
            automatic: false,
            // A dispute reaches Billkit through `charge.dispute.*` once the mirror exists.
            dispute: null,
            ...link(connection, o.id),
            createdAt: created
          }))
        }
        case "refunds": {
          if (str(obj(d.metadata)?.billkit_refund) !== null) return "skipped" as const
          // A refund Billkit made, or recorded from a webhook: already Billkit's.
          const known = refundsByRef.get(o.id)
          if (known !== undefined && known.connection === null) return "skipped" as const
          const payment = yield* lookup(of.payments, connection, o.charge)
          if (Option.isNone(payment)) return `refund ${o.id}: its charge ${o.charge} was not imported`
          return yield* upsert(of.refunds, connection, o.id, (id) => ({
            id,
            object: "refund" as const,
            payment: payment.value.id,
            customer: payment.value.customer,
            invoice: payment.value.invoice,
            amount: minor(o.amount),
            currency: payment.value.currency,
            reason: str(d.reason),
            status: o.status === "succeeded" ? "succeeded" as const : o.status === "pending" || o.status === "requires_action" ? "pending" as const : "failed" as const,
            providerRef: o.id,
            ...link(connection, o.id),
            createdAt: created
          }))
        }
        case "balance_transactions":
          return "skipped" as const
      }
    })

  /** The page's prefetch: its own existing records and, per collection, every record its objects refer to. */
  const prefetchPage = (connection: string, type: SyncedType, page: ReadonlyArray<ProviderObject>) =>
    Effect.gen(function*() {
      const own = page.map((o) => o.id)
      const data = (o: ProviderObject) => o.data as Json
      switch (type) {
        case "customers":
          return yield* prefetchExisting(of.customers, connection, own)
        case "products":
          yield* prefetchExisting(of.products, connection, own)
          return yield* prefetchExisting(of.plans, connection, own)
        case "prices": {
          const productIds = page.map((o) => idOf(data(o).product))
          yield* prefetch(of.products, connection, productIds)
          yield* prefetch(of.plans, connection, productIds)
          return yield* prefetchExisting(of.prices, connection, own)
        }
        case "subscriptions": {
          yield* prefetch(of.customers, connection, page.map((o) => idOf(data(o).customer)))
          const priceIds = page.map((o) => {
            const items = obj(data(o).items)?.data
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
        }
        case "invoices":
          yield* prefetch(of.customers, connection, page.map((o) => idOf(data(o).customer)))
          yield* prefetch(of.subscriptions, connection, page.map((o) =>
            idOf(data(o).subscription) ?? idOf(obj(obj(data(o).parent)?.subscription_details)?.subscription)))
          return yield* prefetchExisting(of.invoices, connection, own)
        case "charges": {
          const intents = page.flatMap((o) => (o.paymentIntent === null ? [] : [o.paymentIntent]))
          for (const payment of yield* payments.findMany("provider_ref", intents)) {
            if (payment.providerRef !== null) takenPaymentRefs.add(payment.providerRef)
          }
          yield* prefetch(of.customers, connection, page.map((o) => o.customer))
          yield* prefetch(of.invoices, connection, page.map((o) => idOf(data(o).invoice)))
          return yield* prefetchExisting(of.payments, connection, own)
        }
        case "refunds": {
          // In id order: the first holding a reference is the one a lookup by it would answer.
          for (const refund of yield* refunds.findMany("provider_ref", own)) {
            if (refund.providerRef !== null && !refundsByRef.has(refund.providerRef)) refundsByRef.set(refund.providerRef, refund)
          }
          yield* prefetch(of.payments, connection, page.map((o) => o.charge))
          return yield* prefetchExisting(of.refunds, connection, own)
        }
        case "balance_transactions":
          return
      }
    })

  /**
   * Imports one stored page into records (inside the page's transaction): one prefetch, the
   * objects mapped in order, then the page's writes set-wise.
   */
  const importPage = (connection: string, type: SyncedType, page: ReadonlyArray<ProviderObject>, now: string, firstSeen: ReadonlySet<string>) =>
    Effect.gen(function*() {
      fresh = firstSeen
      absent = new Set()
      existing = new Map()
      writes = makePageWrites()
      takenPaymentRefs = new Set()
      refundsByRef = new Map()
      yield* prefetchPage(connection, type, page)
      let created = 0
      let updated = 0
      const skipped: Array<string> = []
      for (const o of page) {
        const result = yield* importOne(connection, type, o, now)
        if (result === "created") created++
        else if (result === "updated") updated++
        else if (result !== "skipped") skipped.push(result)
      }
      yield* writes.flush
      return { created, updated, skipped } satisfies ImportOutcome
    })

  return { importPage, forget: () => (cache.clear(), productsById.clear()) } as const
})
