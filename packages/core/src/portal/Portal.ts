/**
 * Customer portal sessions: a link for one customer, valid an hour. What the portal shows and
 * changes goes through the same services as REST (see http/PortalPage.ts); this service keeps the
 * sessions and the one computation REST has no endpoint for, the proration preview of a plan
 * change.
 */
import { Clock, Effect, Option } from "effect"
import { Customers } from "../customers/index.js"
import { Plans, Prices } from "../catalog/index.js"
import { Subscriptions } from "../subscriptions/index.js"
import { Invalid, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { makePageToken } from "../kernel/PageTokens.js"
import { prorate } from "../kernel/Proration.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { portalLifetimeMs, type PortalSessionCreate, type StoredPortalSession } from "./domain/PortalSession.js"
import { PortalSessionRecords } from "./domain/Records.js"

export interface PlanChangePreview {
  readonly subscription: string
  readonly fromPlan: string
  readonly toPlan: string
  readonly toPrice: string
  readonly currency: string
  /** The new plan's price per period, for all seats. */
  readonly recurring: number
  readonly interval: string
  /** Charged for the rest of this period on the new plan, less the unused part of the old one (may be negative: a credit). */
  readonly prorated: number
  readonly periodEnd: string
}

export class Portal extends Effect.Service<Portal>()("@billkit/core/Portal", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(PortalSessionRecords)
    const customers = yield* Customers
    const subscriptions = yield* Subscriptions
    const plans = yield* Plans
    const prices = yield* Prices

    const create = traced("Portal.create")(function*(customerId: string, input: PortalSessionCreate) {
      const customer = yield* customers.get(customerId)
      const at = yield* Clock.currentTimeMillis
      const token = yield* makePageToken(yield* CurrentTenant)
      const session: StoredPortalSession = {
        id: yield* ids.next("portalSession"),
        object: "portal_session",
        customer: customer.id,
        returnUrl: input.returnUrl ?? null,
        expiresAt: isoAt(at + portalLifetimeMs),
        createdAt: isoAt(at),
        tokenHash: token.hash,
        csrfToken: yield* ids.secretHex(32)
      }
      yield* repo.insert(session).pipe(Effect.orDie)
      return { session, token: token.token }
    })

    /** The live session of a token: unknown and expired ones are both "not found". */
    const byTokenHash = traced("Portal.byTokenHash")(function*(hash: string) {
      const found = yield* repo.findBy("token_hash", hash)
      const at = yield* Clock.currentTimeMillis
      if (Option.isNone(found) || at >= msOf(found.value.expiresAt)) {
        return yield* new NotFound({ resource: "portal session", id: "(token)" })
      }
      return found.value
    })

    /** The public plan `planId`'s price matching the subscription's currency and interval. */
    const targetPrice = (planId: string, currency: string, interval: string) =>
      Effect.gen(function*() {
        const plan = yield* plans.get(planId)
        if (!plan.public) return yield* new Invalid({ field: "plan", message: "is not a plan you can switch to" })
        for (const id of plan.prices) {
          const price = yield* prices.find(id)
          if (Option.isSome(price) && price.value.public && price.value.currency === currency && price.value.schedule === interval) {
            return { plan, price: price.value }
          }
        }
        return yield* new Invalid({ field: "plan", message: `has no ${interval}ly price in ${currency}` })
      })

    /** What changing `subscriptionId` (of `customerId`) to `planId` now would cost, nothing changed. */
    const previewPlanChange = traced("Portal.previewPlanChange")(function*(customerId: string, subscriptionId: string, planId: string) {
      const s = yield* subscriptions.get(subscriptionId)
      if (s.customer !== customerId) return yield* new NotFound({ resource: "subscription", id: subscriptionId })
      const { plan, price } = yield* targetPrice(planId, s.currency, s.interval)
      const current = yield* prices.get(s.price)
      const at = yield* Clock.currentTimeMillis
      const period = { start: msOf(s.currentPeriodStart), end: msOf(s.currentPeriodEnd) }
      const inTrial = s.status === "trialing"
      const prorated = inTrial ? 0 : prorate(price.amount * s.seats, period, at) - prorate(current.amount * s.seats, period, at)
      return {
        subscription: s.id,
        fromPlan: s.plan,
        toPlan: plan.id,
        toPrice: price.id,
        currency: s.currency,
        recurring: price.amount * s.seats,
        interval: s.interval,
        prorated,
        periodEnd: s.currentPeriodEnd
      } satisfies PlanChangePreview
    })

    return { create, byTokenHash, previewPlanChange, targetPrice } as const
  }),
  dependencies: [Customers.Default, Subscriptions.Default, Plans.Default, Prices.Default]
}) {}
