/**
 * Customers: create, read, update, archive; email unique within a project and mode. Each change
 * emits its `customer.*` event in the same transaction.
 */
import { Effect, Schema } from "effect"
import { Conflict } from "../kernel/Errors.js"
import type { Address, CustomerCreate, CustomerUpdate } from "./domain/Customer.js"
import { Customer, emptyAddress } from "./domain/Customer.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { UniqueViolation } from "../kernel/Storage.js"
import { Events } from "../events/index.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { patch } from "../kernel/Patch.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { CustomerRecords } from "./domain/Records.js"
import { notImported } from "../kernel/ProviderLink.js"

export interface CustomerFilters {
  readonly email?: string
  readonly country?: string
  readonly reference?: string
  readonly externalReference?: string
  readonly companyName?: string
  readonly connection?: string
}

const duplicateEmail = (_: UniqueViolation) =>
  new Conflict({ field: "email", message: "A customer with this email already exists" })

const encode = (customer: Customer) => Effect.orDie(Schema.encode(Customer)(customer))

const mergeAddress = (base: Address, input: Partial<Address> | undefined): Address =>
  input === undefined ? base : patch(base, input)

export class Customers extends Effect.Service<Customers>()("@billkit/core/Customers", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const events = yield* Events
    const repo = yield* makeRepository(CustomerRecords)

    const create = traced("Customers.create")(function*(input: CustomerCreate) {
      const now = yield* nowIso
      const customer: Customer = {
        id: yield* ids.next("customer"),
        object: "customer",
        ...notImported,
        email: input.email,
        name: input.name ?? null,
        taxNumber: input.taxNumber ?? null,
        standardTaxRate: input.standardTaxRate ?? null,
        digitalTaxRate: input.digitalTaxRate ?? null,
        billingType: input.billingType ?? "card",
        type: input.type ?? "individual",
        reference: input.reference ?? null,
        externalReference: input.externalReference ?? null,
        address: mergeAddress(emptyAddress, input.address),
        locale: input.locale ?? "en",
        brand: input.brand ?? "default",
        invoiceFormat: input.invoiceFormat ?? "pdf",
        marketingOptIn: input.marketingOptIn ?? false,
        metadata: input.metadata ?? {},
        status: "active",
        createdAt: now,
        updatedAt: now,
        archivedAt: null
      }
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* repo.insert(customer).pipe(Effect.mapError(duplicateEmail))
          yield* events.emit("customer.created", customer.id, yield* encode(customer))
          return customer
        })
      )
    })

    const get = traced("Customers.get")(function*(id: string) {
      return yield* repo.get(id)
    })

    /**
     * The customer, its row locked until the caller's transaction ends (on Postgres): commands
     * that must not interleave for one customer (its default payment method) take this first.
     */
    const lock = traced("Customers.lock")(function*(id: string) {
      return yield* repo.get(id, true)
    })

    const update = traced("Customers.update")(function*(id: string, input: CustomerUpdate) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const current = yield* repo.get(id, true)
          const { address, ...rest } = input
          const next: Customer = {
            ...patch(current, rest as Partial<Customer>),
            address: mergeAddress(current.address, address),
            updatedAt: yield* nowIso
          }
          yield* repo.update(next).pipe(Effect.mapError(duplicateEmail))
          yield* events.emit("customer.updated", next.id, yield* encode(next))
          return next
        })
      )
    })

    /** Deleting a customer archives it: invoices and payments keep pointing at it. */
    const archive = traced("Customers.archive")(function*(id: string) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const current = yield* repo.get(id, true)
          if (current.status === "archived") return current
          const now = yield* nowIso
          const archived: Customer = { ...current, status: "archived", archivedAt: now, updatedAt: now }
          yield* repo.update(archived).pipe(Effect.orDie)
          yield* events.emit("customer.deleted", archived.id, yield* encode(archived))
          return archived
        })
      )
    })

    const list = traced("Customers.list")(function*(page: PageRequest, filters: CustomerFilters = {}) {
      const where: Record<string, string> = { status: "active" }
      if (filters.email !== undefined) where.email = filters.email.toLowerCase()
      if (filters.country !== undefined) where.country = filters.country.toUpperCase()
      if (filters.reference !== undefined) where.reference = filters.reference
      if (filters.externalReference !== undefined) where.external_reference = filters.externalReference
      if (filters.companyName !== undefined) where.company_name = filters.companyName
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* repo.list(page, { where })
    })

    return { create, get, lock, update, archive, list } as const
  }),
  dependencies: [Events.Default]
}) {}
