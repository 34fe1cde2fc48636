/**
 * The per-process cache of entitlement checks: plain synchronous maps, so that a hit costs a few
 * map lookups and no fiber (`billing.project(id).entitlements.checkSync`).
 *
 * Correctness rests on three rules (docs/entitlements.md):
 * - Entries are dropped after the transaction that changed their inputs ends (committed or
 *   rolled back), never before: a reader racing the commit cannot re-insert what it read before.
 * - Every entry is put with the generations (tenant's and customer's) read before its inputs
 *   were read; an invalidation bumps them, so a computation that overlapped a commit is not kept.
 * - When storage is shared by several processes (Postgres), the tenant's version row is read at
 *   most every `versionCheckMs`; until it has been read within that bound the cache answers
 *   nothing, and a version that moved drops the tenant's entries.
 */
import { Context } from "effect"
import type { Tenant } from "../kernel/Storage.js"
import type { EntitlementCheck } from "./domain/Entitlement.js"

interface Entry {
  readonly answer: EntitlementCheck
  /** On the process's clock (ms): a period end or the shared-usage bound. */
  readonly expiresAt: number
}

interface CustomerState {
  gen: number
  readonly entries: Map<string, Entry>
}

interface TenantState {
  gen: number
  readonly customers: Map<string, CustomerState>
  /** The tenant's version row as last read (shared storage only). */
  version: number | undefined
  /** When it was last read (process clock, ms). */
  checkedAt: number
  size: number
}

/** The generations a computation started from; `put` keeps its answer only if both still hold. */
export interface Stamp {
  readonly tenantGen: number
  readonly customerGen: number
}

export interface EntitlementCacheOptions {
  /** The process's clock, in ms (Billkit's Clock, never Date.now in core). */
  readonly now: () => number
  /** Whether other processes write the same storage (then versions are checked). */
  readonly shared: boolean
  /** The longest a change committed by another process stays unseen. Default 1000 ms. */
  readonly versionCheckMs?: number
  /** Entries per tenant before the tenant's entries are dropped wholesale. Default 100,000. */
  readonly maxEntriesPerTenant?: number
}

const keyOf = (tenant: Tenant) => `${tenant.mode}:${tenant.projectId}`

export class EntitlementCache {
  readonly shared: boolean
  readonly versionCheckMs: number
  readonly now: () => number
  private readonly maxEntries: number
  private readonly tenants = new Map<string, TenantState>()

  constructor(options: EntitlementCacheOptions) {
    this.now = options.now
    this.shared = options.shared
    this.versionCheckMs = options.versionCheckMs ?? 1000
    this.maxEntries = options.maxEntriesPerTenant ?? 100_000
  }

  private state(tenant: Tenant): TenantState {
    const key = keyOf(tenant)
    let state = this.tenants.get(key)
    if (state === undefined) {
      state = { gen: 0, customers: new Map(), version: undefined, checkedAt: Number.NEGATIVE_INFINITY, size: 0 }
      this.tenants.set(key, state)
    }
    return state
  }

  /** The cached answer, or undefined on a miss (also when the version check is due). */
  get(tenant: Tenant, customer: string, feature: string): EntitlementCheck | undefined {
    const state = this.tenants.get(keyOf(tenant))
    if (state === undefined) return undefined
    const now = this.now()
    if (this.shared && now - state.checkedAt >= this.versionCheckMs) return undefined
    const entries = state.customers.get(customer)?.entries
    const entry = entries?.get(feature)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      entries!.delete(feature)
      state.size--
      return undefined
    }
    return entry.answer
  }

  /** Whether the tenant's version row must be read before the cache may answer. */
  versionDue(tenant: Tenant): boolean {
    return this.shared && this.now() - this.state(tenant).checkedAt >= this.versionCheckMs
  }

  /** The version row as just read: a version that moved drops every entry of the tenant. */
  versionSeen(tenant: Tenant, version: number, readAt: number): void {
    const state = this.state(tenant)
    if (state.version !== undefined && state.version !== version) this.invalidateTenant(tenant)
    state.version = version
    state.checkedAt = readAt
  }

  /**
   * This process committed `version` (its own bump): when it directly follows the one last read,
   * the process's own invalidation already covered it and the entries stay.
   */
  ownVersion(tenant: Tenant, version: number): void {
    const state = this.state(tenant)
    if (state.version === version - 1) state.version = version
  }

  stamp(tenant: Tenant, customer: string): Stamp {
    const state = this.state(tenant)
    let c = state.customers.get(customer)
    if (c === undefined) {
      c = { gen: 0, entries: new Map() }
      state.customers.set(customer, c)
    }
    return { tenantGen: state.gen, customerGen: c.gen }
  }

  /** Keeps `answer` for `ttlMs` unless an invalidation happened since `stamp` was taken. */
  put(tenant: Tenant, customer: string, feature: string, answer: EntitlementCheck, ttlMs: number, stamp: Stamp): boolean {
    const state = this.state(tenant)
    const c = state.customers.get(customer)
    if (c === undefined || state.gen !== stamp.tenantGen || c.gen !== stamp.customerGen || ttlMs <= 0) return false
    if (state.size >= this.maxEntries) this.invalidateTenant(tenant)
    if (state.gen !== stamp.tenantGen) return false
    if (!c.entries.has(feature)) state.size++
    c.entries.set(feature, { answer, expiresAt: this.now() + ttlMs })
    return true
  }

  invalidateTenant(tenant: Tenant): void {
    const state = this.state(tenant)
    state.gen++
    state.customers.clear()
    state.size = 0
  }

  invalidateCustomer(tenant: Tenant, customer: string): void {
    const state = this.tenants.get(keyOf(tenant))
    const c = state?.customers.get(customer)
    if (state === undefined || c === undefined) return
    c.gen++
    state.size -= c.entries.size
    c.entries.clear()
  }
}

/** The process's cache, one per `billkit()` instance. */
export class EntitlementCacheRef extends Context.Tag("@billkit/core/EntitlementCache")<EntitlementCacheRef, EntitlementCache>() {}
