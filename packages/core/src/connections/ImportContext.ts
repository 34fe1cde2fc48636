/**
 * What one run's import reads and writes through, shared by the module of each object kind: the
 * collections it writes, the run's cache of provider id → Billkit record, what the page being
 * imported prefetched, and the reads and staged writes a kind makes of them (`lookup`, `upsert`).
 */
import { Effect, Option } from "effect"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { providerKey } from "../kernel/ProviderLink.js"
import { makeRepository } from "../kernel/Repository.js"
import type { CurrentTenant } from "../kernel/Tenancy.js"
import { CustomerRecords } from "../customers/domain/index.js"
import { PlanRecords, PriceRecords, ProductRecords } from "../catalog/domain/index.js"
import { SubscriptionRecords } from "../subscriptions/domain/index.js"
import { InvoiceRecords } from "../invoicing/domain/index.js"
import { PaymentRecords, RefundRecords } from "../payments/domain/index.js"
import type { ProviderObject } from "./ProviderAccounts.js"
import { collection, keyOf, makePageWrites, type ImportCollection, type ImportRepository, type Linked } from "./ImportWrites.js"
import type { Json } from "./StripeJson.js"

/** One provider object being imported: its data, when the provider made it, and the run's now. */
export interface Incoming {
  readonly connection: string
  readonly o: ProviderObject
  readonly d: Json
  readonly created: string
  readonly now: string
}

/** A provider object's data, as Stripe sent it. */
export const dataOf = (o: ProviderObject) => o.data as Json

/**
 * One kind of provider object: the page's prefetch (its own existing records, `own` being the
 * page's provider ids, and every record its objects refer to), and the import of each object,
 * answering `created`, `updated`, `skipped`, or why it was left out.
 */
export interface KindImport {
  readonly prefetch: (connection: string, page: ReadonlyArray<ProviderObject>, own: ReadonlyArray<string>) => Effect.Effect<void, never, CurrentTenant>
  readonly importOne: (incoming: Incoming) => Effect.Effect<"created" | "updated" | "skipped" | (string & {}), never, CurrentTenant>
}

/**
 * Everything an import needs, made once per run: the repositories and a cache of provider id →
 * Billkit record. A page is imported set-wise: its existing records and every record it refers
 * to are read with one `findMany` per collection before its objects are mapped, and its writes
 * leave together at the end (see `makePageWrites`), inside the page's transaction.
 */
export const makeImportContext = Effect.gen(function*() {
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

  // What the page being imported prefetched (reset by `startPage`).
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

  /** Stages the update of a record outside `upsert` (a plan gaining a price). */
  const stageUpdate = <A extends Linked>(repo: ImportRepository<A>, record: A) => writes.update(repo, record)

  /** Starts a page: what it prefetches and writes starts empty; answers the page's writes. */
  const startPage = (firstSeen: ReadonlySet<string>) => {
    fresh = firstSeen
    absent = new Set()
    existing = new Map()
    writes = makePageWrites()
    return writes
  }

  return {
    of, products, plans, payments, refunds, cache, productsById,
    prefetch, prefetchExisting, lookup, upsert, link, stageUpdate, startPage,
    forget: () => (cache.clear(), productsById.clear())
  } as const
})

export type ImportContext = Effect.Effect.Success<typeof makeImportContext>
