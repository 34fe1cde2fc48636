/**
 * The Promise façade: the services for callers who do not use Effect.
 * `await billing.project(projectId).customers.create({ email })`. Inputs are validated by the
 * same schemas as the REST surface; failures reject with the domain errors (`NotFound`,
 * `Conflict`, `Invalid`), never with an Effect wrapper.
 */
import { Cause, Effect, Exit, ParseResult, Schema, type ManagedRuntime } from "effect"
import { ApiKeyCreate } from "./access/domain/ApiKey.js"
import { BalanceAdjustment } from "./balances/domain/Balance.js"
import { CustomerCreate, CustomerUpdate } from "./customers/domain/Customer.js"
import { Invalid } from "./kernel/Errors.js"
import { FeatureCreate, FeatureUpdate } from "./catalog/domain/Feature.js"
import { InstantInput } from "./kernel/Instant.js"
import { CreditNoteCreate, InvoiceCreate } from "./invoicing/domain/Invoice.js"
import { RefundCreate } from "./payments/domain/Payment.js"
import { PaymentMethodAttach } from "./payments/domain/PaymentMethod.js"
import { PlanCreate, PlanUpdate } from "./catalog/domain/Plan.js"
import { PriceCreate, PriceUpdate } from "./catalog/domain/Price.js"
import { ProductCreate, ProductUpdate } from "./catalog/domain/Product.js"
import { Cancellation, PlanChange, PriceChange, SeatsChange, SubscriptionCreate, TrialConversion } from "./subscriptions/domain/Subscription.js"
import { maxBatchSize, type IngestResult, type UsageEventInput } from "./usage/domain/UsageEvent.js"
import { RedemptionCreate, VoucherCreate, VoucherUpdate } from "./vouchers/domain/Voucher.js"
import { InvoicePayment } from "./invoicing/http/InvoicesApi.js"
import type { Mode } from "./kernel/Storage.js"
import { ApiKeys } from "./access/ApiKeys.js"
import { Balances } from "./balances/Balances.js"
import { Customers, type CustomerFilters } from "./customers/Customers.js"
import { Features } from "./catalog/Features.js"
import { Invoices } from "./invoicing/Invoices.js"
import { OneOffInvoices } from "./invoicing/OneOffInvoices.js"
import { defaultPage, type PageRequest } from "./kernel/Page.js"
import { PaymentMethods, type PaymentMethodFilters } from "./payments/PaymentMethods.js"
import { Payments } from "./payments/Payments.js"
import { Plans } from "./catalog/Plans.js"
import { Prices, type PriceFilters } from "./catalog/Prices.js"
import { Products } from "./catalog/Products.js"
import { SubscriptionMigrations } from "./subscriptions/Migrations.js"
import { Subscriptions } from "./subscriptions/Subscriptions.js"
import { CurrentTenant } from "./kernel/Tenancy.js"
import { TestClocks } from "./operations/TestClocks.js"
import { Usage, type UsageQuery } from "./usage/Usage.js"
import { Vouchers, type VoucherFilters } from "./vouchers/Vouchers.js"
import { Entitlements } from "./entitlements/Entitlements.js"
import type { EntitlementCache } from "./entitlements/EntitlementCache.js"
import type { EntitlementCheck } from "./entitlements/domain/Entitlement.js"

type Services =
  | Customers | Products | Prices | Features | Plans | ApiKeys
  | Subscriptions | SubscriptionMigrations | Invoices | OneOffInvoices | Payments | PaymentMethods | Vouchers | Balances | Usage | TestClocks | Entitlements

/** Filters of the list calls, as the services take them (`from`/`to` in epoch milliseconds). */
export type SubscriptionFilters = NonNullable<Parameters<Subscriptions["list"]>[1]>
export type InvoiceFilters = NonNullable<Parameters<Invoices["list"]>[1]>
export type PaymentFilters = NonNullable<Parameters<Payments["list"]>[1]>
export type RefundFilters = NonNullable<Parameters<Payments["listRefunds"]>[1]>
export type CreditNoteFilters = NonNullable<Parameters<Invoices["listCreditNotes"]>[1]>

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

export const makeFacade = (runtime: ManagedRuntime.ManagedRuntime<Services, never>, cache?: EntitlementCache) =>
  (projectId: string, mode: Mode = "test") => {
    const tenant = { projectId, mode }
    // As on the REST surface, test mode runs at its test clock once that has been advanced.
    const run = <A, E>(effect: Effect.Effect<A, E, Services | CurrentTenant>): Promise<A> =>
      runOrThrow(runtime, Effect.provideService(Effect.flatMap(TestClocks, (clocks) => clocks.withTenantClock(effect)), CurrentTenant, { projectId, mode }))
    const page = (p?: Partial<PageRequest>): PageRequest => ({ ...defaultPage, ...p })
    /** Validates `input` with `schema`, then runs `use` on it. */
    const validated = <A, I, B, E>(schema: Schema.Schema<A, I>, input: A, use: (valid: A) => Effect.Effect<B, E, Services | CurrentTenant>) =>
      run(Effect.flatMap(validate(schema, input), use))
    /** An instant field as the REST surface decodes it: ISO 8601 with a zone, or Unix seconds, to ISO 8601 UTC. */
    const instant = (field: string, value: string | undefined): Effect.Effect<string | undefined, Invalid> =>
      value === undefined
        ? Effect.succeed(undefined)
        : Schema.decodeUnknown(InstantInput)(value).pipe(
          Effect.mapError((error) => new Invalid({ field, message: ParseResult.ArrayFormatter.formatErrorSync(error)[0]?.message ?? error.message }))
        )
    /** `expiresAt` of a voucher input, normalized like `instant` (null stays null). */
    const withExpiry = <T extends { readonly expiresAt?: string | null | undefined }>(input: T): Effect.Effect<T, Invalid> =>
      input.expiresAt == null ? Effect.succeed(input) : Effect.map(instant("expiresAt", input.expiresAt), (expiresAt) => ({ ...input, expiresAt }))

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
      subscriptions: {
        /** A plan by id or `code_name`; the first period is invoiced and charged now unless it starts a trial. */
        create: (customerId: string, input: SubscriptionCreate) =>
          validated(SubscriptionCreate, input, (i) => Effect.flatMap(Subscriptions, (s) => s.create(customerId, i))),
        retrieve: (id: string) => run(Effect.flatMap(Subscriptions, (s) => s.get(id))),
        list: (p?: Partial<PageRequest>, filters?: SubscriptionFilters) => run(Effect.flatMap(Subscriptions, (s) => s.list(page(p), filters))),
        addSeats: (id: string, input: typeof SeatsChange.Type) =>
          validated(SeatsChange, input, (i) => Effect.flatMap(Subscriptions, (s) => s.addSeats(id, i))),
        removeSeats: (id: string, input: typeof SeatsChange.Type) =>
          validated(SeatsChange, input, (i) => Effect.flatMap(Subscriptions, (s) => s.removeSeats(id, i))),
        changePlan: (id: string, input: PlanChange) =>
          validated(PlanChange, input, (i) => Effect.flatMap(Subscriptions, (s) => s.changePlan(id, i))),
        changePrice: (id: string, input: typeof PriceChange.Type) =>
          validated(PriceChange, input, (i) => Effect.flatMap(Subscriptions, (s) => s.changePrice(id, i))),
        /** `date` (with `when: "specific_date"`) as on the wire: ISO 8601 with a zone, or Unix seconds. */
        cancel: (id: string, input: Cancellation = {}) =>
          validated(Cancellation, input, (i) =>
            Effect.flatMap(instant("date", i.date), (date) =>
              Effect.flatMap(Subscriptions, (s) => s.cancel(id, { ...i, ...(date === undefined ? {} : { date }) })))),
        /** Undoes a scheduled cancellation, or resumes a paused subscription with a new period from now. */
        resume: (id: string) => run(Effect.flatMap(Subscriptions, (s) => s.resume(id))),
        pause: (id: string) => run(Effect.flatMap(Subscriptions, (s) => s.pause(id))),
        convertTrial: (id: string, input: typeof TrialConversion.Type = {}) =>
          validated(TrialConversion, input, (i) => Effect.flatMap(Subscriptions, (s) => s.convertTrial(id, i))),
        /**
         * Moves an imported Stripe subscription off Stripe Billing (docs/stripe.md): Stripe ends it at
         * `migration.at`, Billkit bills it from there. Rejects with `ProviderCallFailed` (retryable) when
         * Stripe could not be reached: the migration stays scheduled; call again.
         */
        migrate: (id: string) => run(Effect.flatMap(SubscriptionMigrations, (s) => s.migrate(id))),
        /** The next invoice as it would be written now (no `id`: nothing is stored). */
        upcomingInvoice: (id: string) =>
          run(Effect.flatMap(Subscriptions, (s) => Effect.map(s.upcomingInvoice(id), ({ id: _id, ...invoice }) => invoice)))
      },
      invoices: {
        /** A one-off draft; finalize it to number and collect it. */
        create: (input: InvoiceCreate) => validated(InvoiceCreate, input, (i) => Effect.flatMap(OneOffInvoices, (s) => s.create(i))),
        retrieve: (id: string) => run(Effect.flatMap(Invoices, (s) => s.get(id))),
        list: (p?: Partial<PageRequest>, filters?: InvoiceFilters) => run(Effect.flatMap(Invoices, (s) => s.list(page(p), filters))),
        finalize: (id: string) => run(Effect.flatMap(Invoices, (s) => s.finalize(id))),
        /** Charges the default (or given) payment method, or records `paidOutOfBand`; `Conflict` when the charge fails. */
        pay: (id: string, input: typeof InvoicePayment.Type = {}) =>
          validated(InvoicePayment, input, (i) => Effect.flatMap(Invoices, (s) => s.pay(id, i))),
        void: (id: string) => run(Effect.flatMap(Invoices, (s) => s.void(id))),
        markUncollectible: (id: string) => run(Effect.flatMap(Invoices, (s) => s.markUncollectible(id))),
        createCreditNote: (id: string, input: CreditNoteCreate) =>
          validated(CreditNoteCreate, input, (i) => Effect.flatMap(Invoices, (s) => s.createCreditNote(id, i))),
        listCreditNotes: (p?: Partial<PageRequest>, filters?: CreditNoteFilters) =>
          run(Effect.flatMap(Invoices, (s) => s.listCreditNotes(page(p), filters)))
      },
      payments: {
        retrieve: (id: string) => run(Effect.flatMap(Payments, (s) => s.get(id))),
        list: (p?: Partial<PageRequest>, filters?: PaymentFilters) => run(Effect.flatMap(Payments, (s) => s.list(page(p), filters))),
        /** The whole unrefunded remainder unless `amount` is given; more than the remainder is a `Conflict`. */
        refund: (paymentId: string, input: RefundCreate = {}) =>
          validated(RefundCreate, input, (i) => Effect.flatMap(Payments, (s) => s.refund(paymentId, i))),
        retrieveRefund: (id: string) => run(Effect.flatMap(Payments, (s) => s.getRefund(id))),
        listRefunds: (p?: Partial<PageRequest>, filters?: RefundFilters) => run(Effect.flatMap(Payments, (s) => s.listRefunds(page(p), filters)))
      },
      paymentMethods: {
        /** Stores the card behind a provider token (`tok_visa` with the fake provider); the first becomes the default. */
        attach: (customerId: string, input: PaymentMethodAttach) =>
          validated(PaymentMethodAttach, input, (i) => Effect.flatMap(PaymentMethods, (s) => s.attach(customerId, i.token))),
        list: (customerId: string, p?: Partial<PageRequest>, filters?: PaymentMethodFilters) =>
          run(Effect.flatMap(PaymentMethods, (s) => s.list(customerId, page(p), filters))),
        setDefault: (customerId: string, paymentMethodId: string) =>
          run(Effect.flatMap(PaymentMethods, (s) => s.setDefault(customerId, paymentMethodId))),
        detach: (customerId: string, paymentMethodId: string) => run(Effect.flatMap(PaymentMethods, (s) => s.detach(customerId, paymentMethodId)))
      },
      vouchers: {
        create: (input: VoucherCreate) =>
          validated(VoucherCreate, input, (i) => Effect.flatMap(withExpiry(i), (v) => Effect.flatMap(Vouchers, (s) => s.create(v)))),
        retrieve: (id: string) => run(Effect.flatMap(Vouchers, (s) => s.get(id))),
        update: (id: string, input: VoucherUpdate) =>
          validated(VoucherUpdate, input, (i) => Effect.flatMap(withExpiry(i), (v) => Effect.flatMap(Vouchers, (s) => s.update(id, v)))),
        list: (p?: Partial<PageRequest>, filters?: VoucherFilters) => run(Effect.flatMap(Vouchers, (s) => s.list(page(p), filters))),
        /** Applies a voucher, by code, to a customer's next invoices. */
        redeem: (customerId: string, input: RedemptionCreate) =>
          validated(RedemptionCreate, input, (i) => Effect.flatMap(Vouchers, (s) => s.redeem(customerId, i)))
      },
      balances: {
        /** A customer's balance in each currency. */
        retrieve: (customerId: string) => run(Effect.flatMap(Balances, (s) => s.forCustomer(customerId))),
        /** Positive credits the customer, negative debits; applied to the next invoices after tax. */
        adjust: (customerId: string, input: BalanceAdjustment) =>
          validated(BalanceAdjustment, input, (i) => Effect.flatMap(Balances, (s) => s.adjust(customerId, i)))
      },
      usage: {
        /**
         * Records up to 1,000 events, like a `POST /v1/usage-events` batch: good events are kept,
         * repeats of an `eventId` counted as `duplicates`, bad ones listed in `rejected` by index and field.
         */
        ingest: (events: ReadonlyArray<UsageEventInput>): Promise<IngestResult> =>
          run(Effect.gen(function*() {
            if (events.length === 0 || events.length > maxBatchSize) {
              return yield* new Invalid({ field: "events", message: `must hold 1 to ${maxBatchSize} events` })
            }
            // The service validates events as they come over the wire.
            const wire = events.map(({ eventId, ...rest }) => ({ event_id: eventId, ...rest }))
            const result = yield* Effect.flatMap(Usage, (s) => s.ingest(wire))
            return { ...result, rejected: result.rejected.map((r) => (r.field === "event_id" ? { ...r, field: "eventId" } : r)) }
          })),
        /** A customer's aggregated usage per metric: the current period, or every period overlapping `from`–`to` (epoch ms). */
        usage: (customerId: string, query?: UsageQuery) => run(Effect.flatMap(Usage, (s) => s.usage(customerId, query))),
        /** The current period's estimated usage charges per price, and in total per currency. */
        costs: (customerId: string) => run(Effect.flatMap(Usage, (s) => s.costs(customerId)))
      },
      entitlements: {
        /**
         * May the customer use the feature (by code or id) now: `{allowed, reason, limit, used, remaining}`
         * (docs/entitlements.md). A cached answer resolves at once; a miss reads storage and fills the cache.
         */
        check: (customerId: string, feature: string): Promise<EntitlementCheck> => {
          const hit = cache?.get(tenant, customerId, feature)
          return hit !== undefined ? Promise.resolve(hit) : run(Effect.flatMap(Entitlements, (s) => s.check(customerId, feature)))
        },
        /**
         * The cached answer synchronously, or undefined on a miss (then `await check(…)` once, which
         * fills the cache): for hot paths that must not wait.
         */
        checkSync: (customerId: string, feature: string): EntitlementCheck | undefined => cache?.get(tenant, customerId, feature),
        /** The answer read from storage past the cache (for audits and tests: it never fills the cache). */
        recompute: (customerId: string, feature: string): Promise<EntitlementCheck> =>
          run(Effect.flatMap(Entitlements, (s) => s.compute(customerId, feature)))
      },
      apiKeys: {
        create: (input: ApiKeyCreate) => validated(ApiKeyCreate, input, (i) => Effect.flatMap(ApiKeys, (s) => s.create(i))),
        revoke: (id: string) => run(Effect.flatMap(ApiKeys, (s) => s.revoke(id))),
        list: (p?: Partial<PageRequest>) => run(Effect.flatMap(ApiKeys, (s) => s.list(page(p))))
      }
    }
  }

export type ProjectFacade = ReturnType<ReturnType<typeof makeFacade>>
