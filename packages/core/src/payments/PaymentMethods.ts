/**
 * A customer's payment methods. The first one attached becomes the default; detaching the
 * default hands that role to the newest remaining method. Changes to one customer's methods
 * lock the customer row, so two concurrent attaches never both become the default.
 */
import { Effect, Option } from "effect"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import { PaymentMethod } from "./domain/PaymentMethod.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { PaymentProvider, type ProviderPaymentMethod } from "./PaymentProvider.js"
import { customerRoute, ProviderRoutes } from "./ProviderRoutes.js"
import { Customers } from "../customers/index.js"
import type { Page, PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { PaymentMethodRecords, ProviderCustomerRecords } from "./domain/Records.js"

export interface PaymentMethodFilters {
  /** Default `active`. */
  readonly status?: "active" | "detached"
}

export class PaymentMethods extends Effect.Service<PaymentMethods>()("@billkit/core/PaymentMethods", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const provider = yield* PaymentProvider
    const customers = yield* Customers
    const repo = yield* makeRepository(PaymentMethodRecords)
    const providerCustomers = yield* makeRepository(ProviderCustomerRecords)
    const routes = yield* ProviderRoutes

    /** The customer's live link to the provider's customer; an unlinked one (deleted there) is none. */
    const linkOf = (customerId: string, forUpdate = false) =>
      Effect.map(providerCustomers.find(customerId, forUpdate), Option.filter((c) => c.unlinkedAt === null))

    /** A customer's active methods, oldest first. */
    const activeOf = (customerId: string) =>
      Effect.gen(function*() {
        const out: Array<PaymentMethod> = []
        let page: Page<PaymentMethod> | undefined
        do {
          const after: string | undefined = page?.nextCursor ?? undefined
          page = yield* repo.list(
            { limit: 100, ...(after === undefined ? {} : { startingAfter: after }) },
            { where: { customer: customerId, status: "active" } }
          )
          out.push(...page.data)
        } while (page.hasMore)
        return out
      })

    /** A method of this customer; another customer's method is as missing as an unknown one. */
    const get = traced("PaymentMethods.get")(function*(customerId: string, paymentMethodId: string) {
      const method = yield* repo.get(paymentMethodId)
      if (method.customer !== customerId) return yield* new NotFound({ resource: "payment method", id: paymentMethodId })
      return method
    })

    /** A method of this customer, if there is one (detached ones included). */
    const find = traced("PaymentMethods.find")(function*(customerId: string, paymentMethodId: string) {
      return Option.filter(yield* repo.find(paymentMethodId), (m) => m.customer === customerId)
    })

    /** A new active card of the customer: the default when none of its `active` methods is. */
    const cardMethod = (customerId: string, card: ProviderPaymentMethod, active: ReadonlyArray<PaymentMethod>) =>
      Effect.gen(function*() {
        const method: PaymentMethod = {
          id: yield* ids.next("paymentMethod"),
          object: "payment_method",
          customer: customerId,
          type: "card",
          brand: card.brand,
          last4: card.last4,
          expMonth: card.expMonth,
          expYear: card.expYear,
          isDefault: !active.some((m) => m.isDefault),
          status: "active",
          providerRef: card.providerRef,
          createdAt: yield* nowIso,
          detachedAt: null
        }
        return method
      })

    /** Stores the card behind `token` at the provider and attaches it; the first one becomes the default. */
    const attach = traced("PaymentMethods.attach")(function*(customerId: string, token: string) {
      const customer = yield* customers.get(customerId)
      const known = yield* providerCustomers.find(customerId)
      const unlinked = Option.isSome(known) && known.value.unlinkedAt !== null ? known.value.providerRef : undefined
      // The provider is called outside the transaction: no row stays locked during a network call.
      const card = yield* provider.createPaymentMethod(token, {
        id: customer.id,
        email: customer.email,
        name: customer.name,
        providerRef: Option.match(known, { onNone: () => null, onSome: (c) => (c.unlinkedAt === null ? c.providerRef : null) }),
        ...(unlinked === undefined ? {} : { replaces: unlinked })
      }).pipe(
        Effect.mapError((e) => new Invalid({ field: "token", message: e.message }))
      )
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* customers.lock(customerId)
          // The provider's customer made for this one (Stripe), kept on first use. Under the
          // customer's lock, so two first cards record it once.
          const stored = yield* providerCustomers.find(customerId)
          if (card.providerCustomerRef !== undefined && (Option.isNone(stored) || stored.value.unlinkedAt !== null)) {
            const link = {
              id: customerId,
              object: "provider_customer" as const,
              provider: provider.name ?? "custom",
              providerRef: card.providerCustomerRef,
              createdAt: yield* nowIso,
              unlinkedAt: null
            }
            yield* (Option.isNone(stored) ? providerCustomers.insert(link) : providerCustomers.update(link)).pipe(Effect.orDie)
            // Inbound webhooks about this provider customer find the tenant by it.
            yield* routes.record(customerRoute(link.provider, link.providerRef))
          }
          return yield* repo.insert(yield* cardMethod(customerId, card, yield* activeOf(customerId))).pipe(Effect.orDie)
        })
      )
    })

    const list = traced("PaymentMethods.list")(function*(customerId: string, page: PageRequest, filters: PaymentMethodFilters = {}) {
      yield* customers.get(customerId)
      return yield* repo.list(page, { where: { customer: customerId, status: filters.status ?? "active" } })
    })

    /** The method a customer's invoices are charged to, if it has one. */
    const defaultFor = traced("PaymentMethods.defaultFor")(function*(customerId: string) {
      return Option.fromNullable((yield* activeOf(customerId)).find((m) => m.isDefault))
    })

    /** Detaches a method (detaching a detached one changes nothing); the newest remaining one becomes the default. */
    const detach = traced("PaymentMethods.detach")(function*(customerId: string, paymentMethodId: string) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* customers.lock(customerId)
          const method = yield* get(customerId, paymentMethodId)
          if (method.status === "detached") return method
          const detached: PaymentMethod = { ...method, status: "detached", isDefault: false, detachedAt: yield* nowIso }
          yield* repo.update(detached).pipe(Effect.orDie)
          if (method.isDefault) {
            const remaining = yield* activeOf(customerId)
            const newest = remaining[remaining.length - 1]
            if (newest !== undefined) yield* repo.update({ ...newest, isDefault: true }).pipe(Effect.orDie)
          }
          return detached
        })
      )
    })

    /** Makes a method the customer's default, and the previous default an ordinary method. */
    const setDefault = traced("PaymentMethods.setDefault")(function*(customerId: string, paymentMethodId: string) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* customers.lock(customerId)
          const method = yield* get(customerId, paymentMethodId)
          if (method.status === "detached") {
            return yield* new Conflict({ message: "A detached payment method cannot become the default" })
          }
          if (method.isDefault) return method
          for (const other of yield* activeOf(customerId)) {
            if (other.isDefault) yield* repo.update({ ...other, isDefault: false }).pipe(Effect.orDie)
          }
          const next: PaymentMethod = { ...method, isDefault: true }
          return yield* repo.update(next).pipe(Effect.orDie)
        })
      )
    })

    /** The provider's reference of a customer (Stripe's `cus_…`), if one was made (and not deleted there). */
    const providerCustomerOf = (customerId: string) =>
      Effect.map(linkOf(customerId), Option.map((c) => c.providerRef))

    /**
     * Stores a card the provider already holds for the customer (a SetupIntent completed with
     * Stripe.js, `setup_intent.succeeded`), without calling the provider. Once per card: false
     * when the customer has it already.
     */
    const recordProviderMethod = traced("PaymentMethods.recordProviderMethod")(function*(customerId: string, card: ProviderPaymentMethod) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* customers.lock(customerId)
          const active = yield* activeOf(customerId)
          if (active.some((m) => m.providerRef === card.providerRef)) return false
          yield* repo.insert(yield* cardMethod(customerId, card, active)).pipe(Effect.orDie)
          return true
        })
      )
    })

    /**
     * The provider's customer was deleted there (`customer.deleted`), in the caller's transaction:
     * the link is marked unlinked (the Billkit customer is kept) and the cards stored at it, gone
     * with it, are detached. The next card makes a new provider customer. False when not linked.
     */
    const unlinkProviderCustomer = traced("PaymentMethods.unlinkProviderCustomer")(function*(customerId: string, providerRef: string) {
      yield* customers.lock(customerId)
      const link = yield* linkOf(customerId, true)
      if (Option.isNone(link) || link.value.providerRef !== providerRef) return false
      const now = yield* nowIso
      yield* providerCustomers.update({ ...link.value, unlinkedAt: now }).pipe(Effect.orDie)
      for (const method of yield* activeOf(customerId)) {
        yield* repo.update({ ...method, status: "detached", isDefault: false, detachedAt: now }).pipe(Effect.orDie)
      }
      return true
    })

    /** The Billkit customer of a provider customer (for inbound provider events). */
    const customerOfProviderRef = (providerRef: string) =>
      Effect.map(
        providerCustomers.list({ limit: 1 }, { where: { provider_ref: providerRef } }),
        (page) => Option.fromNullable(page.data[0]?.id)
      )

    return {
      attach, get, find, list, defaultFor, detach, setDefault, providerCustomerOf, customerOfProviderRef,
      recordProviderMethod, unlinkProviderCustomer
    } as const
  }),
  dependencies: [Customers.Default, ProviderRoutes.Default]
}) {}
