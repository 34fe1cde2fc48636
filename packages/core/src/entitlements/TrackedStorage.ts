/**
 * A storage decorator that tells the entitlement cache what a transaction changed, once it ended.
 *
 * Every write to a collection an entitlement check reads marks the tenant (catalog, test clock)
 * or one customer (subscriptions, usage limits, usage rollups) in the outermost transaction. When
 * that transaction ends the marked entries are dropped — after commit, and after a rollback too
 * (nothing was cached from uncommitted state, since checks inside a transaction bypass the
 * cache, but dropping is always safe). On shared storage (Postgres) the transaction also bumps the
 * tenant's version row as its last statement (the row lock is held only until the commit), except
 * for usage rollups: the ingestion hot path must not serialise on one row per tenant, so other
 * processes see usage through the short lifetime of metered entries instead.
 */
import { Effect, FiberRef, Option } from "effect"
import * as Collections from "../kernel/Collections.js"
import type { CollectionSpec, StoragePort, StoredRecord, Tenant } from "../kernel/Storage.js"
import type { EntitlementCache } from "./EntitlementCache.js"

/** Collections whose every write may change any check of the tenant. */
const tenantWide = new Set<string>([
  Collections.Plans.name, Collections.Features.name, Collections.Prices.name, Collections.Metrics.name, Collections.Clocks.name
])
/** Collections whose writes change the checks of the record's `customer`. */
const perCustomer = new Set<string>([Collections.Subscriptions.name, Collections.UsageLimits.name, Collections.UsageRollups.name])
/** Of those, the ones other processes learn of through their lifetime, not the version row. */
const unversioned = new Set<string>([Collections.UsageRollups.name])

interface TenantChanges {
  readonly tenant: Tenant
  all: boolean
  readonly customers: Set<string>
  bump: boolean
  bumpedTo: number | undefined
}

type Changes = Map<string, TenantChanges>

const current = FiberRef.unsafeMake<Changes | undefined>(undefined)

export const versionRowId = (tenant: Tenant) => `entv_${tenant.mode}_${tenant.projectId}`
const versionName = "entitlements"

const mark = (changes: Changes, spec: CollectionSpec, tenant: Tenant, records: ReadonlyArray<StoredRecord>) => {
  const wide = tenantWide.has(spec.name)
  if (!wide && !perCustomer.has(spec.name)) return
  const key = `${tenant.mode}:${tenant.projectId}`
  let c = changes.get(key)
  if (c === undefined) {
    c = { tenant, all: false, customers: new Set(), bump: false, bumpedTo: undefined }
    changes.set(key, c)
  }
  if (!unversioned.has(spec.name)) c.bump = true
  if (wide) {
    c.all = true
    return
  }
  for (const r of records) {
    const customer = r.index.customer
    if (customer == null) c.all = true
    else c.customers.add(customer)
  }
}

/** Reads the tenant's version (0 when it has no row yet). */
export const readVersion = (port: StoragePort, tenant: Tenant) =>
  Effect.map(port.get(Collections.EntitlementVersions, tenant, versionRowId(tenant)), (row) =>
    Option.match(row, { onNone: () => 0, onSome: (data) => Number(data.version) }))

/** Bumps the tenant's version row inside the caller's transaction, creating it if needed. */
const bumpVersion = (port: StoragePort, tenant: Tenant) =>
  Effect.gen(function*() {
    const id = versionRowId(tenant)
    let row = yield* port.get(Collections.EntitlementVersions, tenant, id, { forUpdate: true })
    if (Option.isNone(row)) {
      // insertMany skips a row another transaction created meanwhile, where insert would abort ours.
      yield* port.insertMany(Collections.EntitlementVersions, tenant, [
        { id, data: { id, object: "entitlement_version", name: versionName, version: 0 }, index: { name: versionName } }
      ])
      row = yield* port.get(Collections.EntitlementVersions, tenant, id, { forUpdate: true })
    }
    const version = Option.match(row, { onNone: () => 0, onSome: (data) => Number(data.version) }) + 1
    yield* port.update(Collections.EntitlementVersions, tenant, {
      id,
      data: { id, object: "entitlement_version", name: versionName, version },
      index: { name: versionName }
    }).pipe(Effect.orDie)
    return version
  })

/** Whether the running fiber is inside a storage transaction (checks then bypass the cache). */
export const inTransaction: Effect.Effect<boolean> = Effect.map(FiberRef.get(current), (c) => c !== undefined)

export const trackEntitlementChanges = (port: StoragePort, cache: EntitlementCache): StoragePort => {
  const settle = (changes: Changes, committed: boolean) =>
    Effect.sync(() => {
      for (const c of changes.values()) {
        if (c.all) cache.invalidateTenant(c.tenant)
        else for (const customer of c.customers) cache.invalidateCustomer(c.tenant, customer)
        if (committed && c.bumpedTo !== undefined) cache.ownVersion(c.tenant, c.bumpedTo)
      }
    })

  const bumpAll = (changes: Changes) =>
    Effect.forEach(changes.values(), (c) =>
      c.bump && cache.shared ? Effect.map(bumpVersion(port, c.tenant), (v) => { c.bumpedTo = v }) : Effect.void, { discard: true })

  const withTransaction = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(FiberRef.get(current), (outer) => {
      if (outer !== undefined) return port.withTransaction(self)
      const changes: Changes = new Map()
      return port.withTransaction(Effect.zipLeft(Effect.locally(self, current, changes), Effect.suspend(() => bumpAll(changes)))).pipe(
        Effect.onExit((exit) => settle(changes, exit._tag === "Success"))
      )
    })

  /** A write marks the transaction it runs in; a write outside one gets a transaction of its own. */
  const tracked = <A, E>(spec: CollectionSpec, tenant: Tenant, records: ReadonlyArray<StoredRecord>, write: Effect.Effect<A, E>) =>
    tenantWide.has(spec.name) || perCustomer.has(spec.name)
      ? Effect.flatMap(FiberRef.get(current), (changes): Effect.Effect<A, E> => {
        if (changes === undefined) return withTransaction(tracked(spec, tenant, records, write))
        mark(changes, spec, tenant, records)
        return write
      })
      : write

  return {
    ...port,
    withTransaction,
    insert: (spec, tenant, record) => tracked(spec, tenant, [record], port.insert(spec, tenant, record)),
    update: (spec, tenant, record) => tracked(spec, tenant, [record], port.update(spec, tenant, record)),
    insertMany: (spec, tenant, records) => tracked(spec, tenant, records, port.insertMany(spec, tenant, records)),
    updateMany: (spec, tenant, records) => tracked(spec, tenant, records, port.updateMany(spec, tenant, records))
  }
}
