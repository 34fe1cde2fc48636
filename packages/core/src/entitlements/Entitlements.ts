/**
 * Entitlement checks: may a customer use a feature now (see domain/Entitlement.ts for the
 * answer). `compute` reads storage; `check` answers from the process's cache (EntitlementCache)
 * and computes on a miss. Checks inside a storage transaction always compute: what they read may
 * still roll back.
 */
import { BigDecimal, Clock, Effect, Option } from "effect"
import { type Conflict, NotFound } from "../kernel/Errors.js"
import { makeRepository } from "../kernel/Repository.js"
import { Storage } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { traced } from "../kernel/Traced.js"
import { CustomerRecords } from "../customers/domain/index.js"
import { FeatureRecords, MetricRecords, PlanRecords } from "../catalog/domain/index.js"
import { UsageLimits, UsageRollups } from "../usage/index.js"
import type { EntitlementCheck, EntitlementReason } from "./domain/Entitlement.js"
import { EntitlementCacheRef } from "./EntitlementCache.js"
import { inTransaction, readVersion } from "./TrackedStorage.js"

/** An answer and how long (ms) it holds without any write: until a period ends, or forever. */
export interface Computed {
  readonly answer: EntitlementCheck
  readonly ttlMs: number
  /** It read usage, which other processes change without bumping the version row. */
  readonly metered?: boolean
}

export class Entitlements extends Effect.Service<Entitlements>()("@billkit/core/Entitlements", {
  effect: Effect.gen(function*() {
    const storage = yield* Storage
    const rollups = yield* UsageRollups
    const limits = yield* UsageLimits
    const cache = Option.getOrUndefined(yield* Effect.serviceOption(EntitlementCacheRef))
    const customers = yield* makeRepository(CustomerRecords)
    const features = yield* makeRepository(FeatureRecords)
    const plans = yield* makeRepository(PlanRecords)
    const metrics = yield* makeRepository(MetricRecords)

    /** The answer from storage alone, with no cache. */
    const compute = traced("Entitlements.compute")(function*(customerId: string, featureRef: string) {
      const customer = yield* Effect.flatMap(customers.find(customerId), Option.match({
        onNone: () => Effect.fail(new NotFound({ resource: "customer", id: customerId })),
        onSome: Effect.succeed
      }))
      const found = featureRef.startsWith("feat_") ? yield* features.find(featureRef) : yield* features.findBy("code", featureRef)
      if (Option.isNone(found)) return yield* new NotFound({ resource: "feature", id: featureRef })
      const feature = found.value
      const answer = (allowed: boolean, reason: EntitlementReason, limit: number | null, used: number | null, remaining: number | null): EntitlementCheck =>
        ({ object: "entitlement_check", customer: customer.id, feature: feature.code, allowed, reason, limit, used, remaining })

      const live = yield* rollups.liveSubscriptions(customer.id)
      if (live.length === 0) return { answer: answer(false, "no_subscription", null, null, null), ttlMs: Infinity } satisfies Computed

      // The highest limit of the plans that grant it; a plan granting it without a limit leaves it unlimited.
      let granted = false
      let limit: number | null = 0
      for (const sub of live) {
        const plan = yield* plans.find(sub.plan)
        if (Option.isNone(plan)) continue
        const own = plan.value.limits.find((l) => l.feature === feature.id)
        if (own === undefined && !plan.value.features.includes(feature.id)) continue
        granted = true
        limit = limit === null || own === undefined ? null : Math.max(limit, own.limit)
      }
      if (!granted) return { answer: answer(false, "not_in_plan", null, null, null), ttlMs: Infinity } satisfies Computed

      const now = yield* Clock.currentTimeMillis
      let until = Infinity
      const disabled = yield* limits.disabledFor(customer.id, live)
      if (disabled.until !== undefined) until = Math.min(until, disabled.until)

      let used: BigDecimal.BigDecimal | undefined
      const metric = yield* metrics.findBy("code", feature.code)
      if (Option.isSome(metric)) {
        const sub = yield* rollups.billingSubscription(live, metric.value.id, rollups.makeLookup())
        const period = rollups.periodAt(sub, now)
        used = yield* rollups.quantity(metric.value, customer.id, period)
        until = Math.min(until, period.end)
      }
      const usedNumber = used === undefined ? null : BigDecimal.unsafeToNumber(used)
      const remaining = used === undefined || limit === null
        ? null
        : BigDecimal.unsafeToNumber(BigDecimal.max(BigDecimal.subtract(BigDecimal.fromBigInt(BigInt(limit)), used), BigDecimal.fromBigInt(0n)))
      const ttlMs = until - now
      const metered = used !== undefined || disabled.until !== undefined
      if (disabled.disabled) return { answer: answer(false, "disabled", limit, usedNumber, remaining), ttlMs, metered } satisfies Computed
      if (used !== undefined && limit !== null && BigDecimal.greaterThanOrEqualTo(used, BigDecimal.fromBigInt(BigInt(limit)))) {
        return { answer: answer(false, "limit_reached", limit, usedNumber, remaining), ttlMs, metered } satisfies Computed
      }
      return { answer: answer(true, "ok", limit, usedNumber, remaining), ttlMs, metered } satisfies Computed
    })

    const check = (customerId: string, featureRef: string): Effect.Effect<EntitlementCheck, NotFound | Conflict, CurrentTenant> =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        if (cache === undefined || (yield* inTransaction)) return (yield* compute(customerId, featureRef)).answer
        const hit = cache.get(tenant, customerId, featureRef)
        if (hit !== undefined) return hit
        if (cache.versionDue(tenant)) {
          const readAt = cache.now()
          cache.versionSeen(tenant, yield* readVersion(storage, tenant), readAt)
          const fresh = cache.get(tenant, customerId, featureRef)
          if (fresh !== undefined) return fresh
        }
        const stamp = cache.stamp(tenant, customerId)
        const computed = yield* compute(customerId, featureRef)
        // Other processes' usage reaches this one only through time: metered answers live at most the version bound.
        const ttl = cache.shared && computed.metered === true ? Math.min(computed.ttlMs, cache.versionCheckMs) : computed.ttlMs
        cache.put(tenant, customerId, featureRef, computed.answer, ttl, stamp)
        return computed.answer
      })

    return { check, compute: (c: string, f: string) => Effect.map(compute(c, f), (r) => r.answer) } as const
  }),
  dependencies: [UsageRollups.Default, UsageLimits.Default]
}) {}
