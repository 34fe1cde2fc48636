/**
 * Usage limits (WARNING, DISABLE) and entitlements. A limit is checked after each ingested batch
 * and when it is created, inside that transaction; its event goes to the outbox with it.
 */
import { Clock, Effect, Option } from "effect"
import { Invalid, NotFound } from "../kernel/Errors.js"
import type { Subscription } from "../subscriptions/domain/index.js"
import type { Entitlement } from "./domain/UsageLimit.js"
import { UsageLimit, type UsageLimitCreate } from "./domain/UsageLimit.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Events } from "../events/index.js"
import type { PageRequest } from "../kernel/Page.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import { isoAt } from "../kernel/Time.js"
import { type Estimate, UsageRollups } from "./UsageRollups.js"
import { traced } from "../kernel/Traced.js"
import { UsageLimitRecords } from "./domain/Records.js"
import { CustomerRecords } from "../customers/domain/index.js"
import { FeatureRecords, PlanRecords } from "../catalog/domain/index.js"

const encodeLimit = encoder(UsageLimit)

/** Whether the estimate reaches the limit in the limit's currency this period. */
const reached = (limit: UsageLimit, estimate: Estimate): boolean =>
  estimate.periods.has(limit.currency) && (estimate.totals.get(limit.currency) ?? 0) >= limit.amount

export class UsageLimits extends Effect.Service<UsageLimits>()("@billkit/core/UsageLimits", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const events = yield* Events
    const rollups = yield* UsageRollups
    const repo = yield* makeRepository(UsageLimitRecords)
    const customers = yield* makeRepository(CustomerRecords)
    const plans = yield* makeRepository(PlanRecords)
    const features = yield* makeRepository(FeatureRecords)

    const active = (customer: string) =>
      Effect.map(repo.list({ limit: 100 }, { where: { customer, status: "active" } }), (page) => page.data)

    /**
     * Fires every active limit of the customer that the current estimate reaches and that has not
     * fired this period. Run inside the transaction that changed the usage.
     */
    const check = traced("UsageLimits.check")(function*(
      customer: string,
      live?: ReadonlyArray<Subscription>,
      lookup?: ReturnType<typeof rollups.makeLookup>
    ) {
      const limits = yield* active(customer)
      if (limits.length === 0) return
      const estimate = yield* rollups.estimate(customer, live, lookup)
      const now = isoAt(yield* Clock.currentTimeMillis)
      for (const limit of limits) {
        const period = estimate.periods.get(limit.currency)
        if (period === undefined || !reached(limit, estimate)) continue
        const start = isoAt(period.start)
        if (limit.triggeredPeriodStart === start) continue
        const locked = yield* repo.get(limit.id, true).pipe(Effect.orDie)
        if (locked.status !== "active" || locked.triggeredPeriodStart === start) continue
        const fired: UsageLimit = { ...locked, triggeredPeriodStart: start, triggeredAt: now }
        yield* repo.update(fired).pipe(Effect.orDie)
        // The single place usage limits reach the outbox (and webhooks).
        yield* events.emit(limit.action === "WARNING" ? "usage_limit.warning" : "usage_limit.disabled", limit.id, {
          ...encodeLimit(fired),
          estimated_cost: { amount: estimate.totals.get(limit.currency) ?? 0, currency: limit.currency, period: { start, end: isoAt(period.end) } }
        })
      }
    })

    const requireCustomer = (id: string) =>
      Effect.flatMap(customers.find(id), Option.match({
        onNone: () => Effect.fail(new NotFound({ resource: "customer", id })),
        onSome: Effect.succeed
      }))

    const create = traced("UsageLimits.create")(function*(customerId: string, input: UsageLimitCreate) {
      return yield* repo.transaction(Effect.gen(function*() {
        const customer = yield* requireCustomer(customerId)
        const live = yield* rollups.liveSubscriptions(customer.id)
        let currency = input.currency
        if (currency === undefined) {
          const currencies = [...new Set(live.map((s) => s.currency))]
          if (currencies.length !== 1) {
            return yield* new Invalid({
              field: "currency",
              message: currencies.length === 0
                ? "is required: the customer has no live subscription to take it from"
                : `is required: the customer's subscriptions bill in ${currencies.join(" and ")}`
            })
          }
          currency = currencies[0]
        }
        const now = isoAt(yield* Clock.currentTimeMillis)
        const limit: UsageLimit = {
          id: yield* ids.next("usageLimit"),
          object: "usage_limit",
          customer: customer.id,
          amount: input.amount,
          currency,
          action: input.action,
          status: "active",
          triggeredPeriodStart: null,
          triggeredAt: null,
          createdAt: now,
          deletedAt: null
        }
        yield* repo.insert(limit).pipe(Effect.orDie)
        // A limit the estimate already reaches fires now.
        yield* check(customer.id, live)
        return yield* repo.get(limit.id).pipe(Effect.orDie)
      }))
    })

    const list = traced("UsageLimits.list")(function*(customerId: string, page: PageRequest) {
      yield* requireCustomer(customerId)
      return yield* repo.list(page, { where: { customer: customerId, status: "active" } })
    })

    /** Deletes (archives) a limit: it stops firing and stops disabling entitlements. */
    const remove = traced("UsageLimits.remove")(function*(customerId: string, id: string) {
      return yield* repo.transaction(Effect.gen(function*() {
        const limit = yield* repo.get(id, true)
        if (limit.customer !== customerId) return yield* new NotFound({ resource: "usage limit", id })
        if (limit.status === "deleted") return limit
        return yield* repo.update({ ...limit, status: "deleted", deletedAt: isoAt(yield* Clock.currentTimeMillis) }).pipe(Effect.orDie)
      }))
    })

    /**
     * Whether a DISABLE limit of the customer is reached this period, and until when that answer
     * holds at the latest (the earliest end of the periods it looked at; undefined: no such limit).
     */
    const disabledFor = (customer: string, live: ReadonlyArray<Subscription>) =>
      Effect.gen(function*() {
        const limits = (yield* active(customer)).filter((l) => l.action === "DISABLE")
        if (limits.length === 0) return { disabled: false, until: undefined }
        const estimate = yield* rollups.estimate(customer, live)
        const ends = [...estimate.periods.values()].map((p) => p.end)
        return { disabled: limits.some((l) => reached(l, estimate)), until: ends.length === 0 ? undefined : Math.min(...ends) }
      })

    /**
     * Features and limits of the plans of the customer's live subscriptions; all marked disabled
     * while a DISABLE limit is reached this period.
     */
    const entitlements = traced("UsageLimits.entitlements")(function*(customerId: string) {
      const customer = yield* requireCustomer(customerId)
      const live = yield* rollups.liveSubscriptions(customer.id)
      const { disabled } = yield* disabledFor(customer.id, live)
      const byFeature = new Map<string, { limit: number | null | undefined; plans: Set<string>; subscriptions: Set<string> }>()
      const grant = (feature: string, plan: string, sub: string, limit: number | null) => {
        const entry = byFeature.get(feature) ?? { limit: undefined, plans: new Set(), subscriptions: new Set() }
        // A plan that grants a feature without a limit leaves it unlimited.
        entry.limit = entry.limit === null || limit === null ? null : Math.max(entry.limit ?? 0, limit)
        entry.plans.add(plan)
        entry.subscriptions.add(sub)
        byFeature.set(feature, entry)
      }
      for (const sub of live) {
        const plan = yield* plans.find(sub.plan)
        if (Option.isNone(plan)) continue
        const limited = new Map(plan.value.limits.map((l) => [l.feature, l.limit] as const))
        for (const feature of plan.value.features) grant(feature, plan.value.id, sub.id, limited.get(feature) ?? null)
        for (const l of plan.value.limits) if (!plan.value.features.includes(l.feature)) grant(l.feature, plan.value.id, sub.id, l.limit)
      }
      const data: Array<Entitlement> = []
      for (const [featureId, entry] of byFeature) {
        const feature = yield* features.find(featureId)
        if (Option.isNone(feature)) continue
        data.push({
          object: "entitlement",
          feature: featureId,
          code: feature.value.code,
          name: feature.value.name,
          limit: entry.limit ?? null,
          plans: [...entry.plans],
          subscriptions: [...entry.subscriptions],
          disabled
        })
      }
      return { object: "customer_entitlements" as const, customer: customer.id, disabled, data }
    })

    return { create, list, remove, check, entitlements, disabledFor } as const
  }),
  dependencies: [UsageRollups.Default, Events.Default]
}) {}
