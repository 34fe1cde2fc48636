/**
 * Subscription lifecycle commands: start, cancel, resume, pause, trial conversion, and the
 * upcoming-invoice preview; plan, price and seat changes with proration are PlanChanges.ts's,
 * served by this same service. Time passing (renewals, trial ends) is SubscriptionCycle's; each
 * command here is one transaction. A command that bills or refunds commits its payment attempts
 * and refunds pending, and sends them to the provider only once committed
 * (`invoices.committing`); it answers with the subscription as the outcome left it.
 */
import { Effect, Option } from "effect"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import { nthPeriod } from "../kernel/Period.js"
import type { Cancellation, Subscription, SubscriptionCreate, SubscriptionStatus } from "./domain/Subscription.js"
import { currentPeriod, prorationCredit, unusedPrepaid } from "./domain/SubscriptionLines.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Customers } from "../customers/index.js"
import { Invoices } from "../invoicing/index.js"
import type { PageRequest } from "../kernel/Page.js"
import { PaymentMethods } from "../payments/index.js"
import { Plans } from "../catalog/index.js"
import { Prices } from "../catalog/index.js"
import { SubscriptionCycle } from "./SubscriptionCycle.js"
import { makePlanChanges } from "./PlanChanges.js"
import { makeSubscriptionCommands } from "./SubscriptionCommands.js"
import { Events } from "../events/index.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { nothingPending } from "./domain/SubscriptionStatus.js"
import { notImported } from "../kernel/ProviderLink.js"

const day = 86_400_000

export class Subscriptions extends Effect.Service<Subscriptions>()("@billkit/core/Subscriptions", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const cycle = yield* SubscriptionCycle
    const commands = yield* makeSubscriptionCommands
    const { applyProration, billing, emit, fitsLine, locked, now, pickPrice, planOf, save, store } = commands
    const customers = yield* Customers
    const plans = yield* Plans
    const prices = yield* Prices
    const invoices = yield* Invoices
    const paymentMethods = yield* PaymentMethods
    const planChanges = yield* makePlanChanges(commands)

    const create = traced("Subscriptions.create")(function*(customerRef: string, input: SubscriptionCreate) {
      // A card token becomes a payment method first, in its own transaction: the provider is
      // never called inside the subscription's. Should the subscription then be refused, the
      // customer keeps the card, as after `POST …/payment-methods`.
      const attached = input.paymentMethod === undefined && input.cardToken !== undefined
        ? (yield* paymentMethods.attach((yield* customers.get(customerRef)).id, input.cardToken).pipe(
          Effect.mapError((e) => (e._tag === "Invalid" ? new Invalid({ field: "card_token", message: e.message }) : e))
        )).id
        : null
      return yield* billing(Effect.gen(function*() {
        const customer = yield* customers.get(customerRef)
        const plan = yield* planOf(input.plan, "plan")
        const price = yield* pickPrice(plan, input.price, input.schedule, input.currency, "price")
        yield* fitsLine(plan, price, input.seats ?? 1)
        let paymentMethod: string | null = attached
        if (input.paymentMethod !== undefined) {
          const pm = yield* paymentMethods.find(customer.id, input.paymentMethod)
          if (Option.isNone(pm) || pm.value.status !== "active") {
            return yield* new Invalid({ field: "payment_method", message: `no such payment method of this customer: ${input.paymentMethod}` })
          }
          paymentMethod = pm.value.id
        }
        const trialDays = input.denyTrial === true ? 0 : input.trialLengthDays ?? (plan.hasTrial ? plan.trialLengthDays : 0)
        const at = yield* now
        const interval = price.schedule as "week" | "month" | "year"
        const trialEnd = at + trialDays * day
        const sub: Subscription = {
          id: yield* ids.next("subscription"),
          object: "subscription",
          ...notImported,
          managedBy: "billkit",
          migration: null,
          customer: customer.id,
          plan: plan.id,
          price: price.id,
          currency: price.currency,
          interval,
          seats: input.seats ?? 1,
          status: trialDays > 0 ? "trialing" : "incomplete",
          billingAnchor: isoAt(trialDays > 0 ? trialEnd : at),
          currentPeriodStart: isoAt(at),
          currentPeriodEnd: isoAt(trialDays > 0 ? trialEnd : nthPeriod(at, interval, 0).end),
          trialStart: trialDays > 0 ? isoAt(at) : null,
          trialEnd: trialDays > 0 ? isoAt(trialEnd) : null,
          trialWillEndSent: false,
          ...nothingPending,
          paymentMethod,
          latestInvoice: null,
          metadata: input.metadata ?? {},
          createdAt: isoAt(at),
          updatedAt: isoAt(at)
        }
        yield* store.insert(sub).pipe(Effect.orDie)
        if (trialDays > 0) {
          yield* emit("subscription.created", sub)
          return sub
        }
        const started = yield* cycle.startBilling(sub, at, "subscription_create")
        // The first invoice decides: paid (or sent with terms) → active, else incomplete. A
        // payment still pending (it is sent once this commits) leaves it incomplete; its success
        // makes the subscription active (Invoices), as a later paid retry would.
        const first = started.latestInvoice === null ? null : yield* invoices.get(started.latestInvoice).pipe(Effect.orDie)
        const status: SubscriptionStatus = first === null || first.status === "paid" || first.collectionMethod === "send_invoice" ? "active" : "incomplete"
        const created = { ...started, status }
        yield* store.update(created).pipe(Effect.orDie)
        yield* emit("subscription.created", created)
        return created
      }))
    })

    const get = (id: string) => store.get(id)

    const list = traced("Subscriptions.list")(function*(
      page: PageRequest,
      filters: { readonly status?: SubscriptionStatus; readonly customer?: string; readonly plan?: string; readonly connection?: string } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.status !== undefined) where.status = filters.status
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.connection !== undefined) where.connection = filters.connection
      if (filters.plan !== undefined) where.plan = (yield* planOf(filters.plan, "plan")).id
      return yield* store.list(page, { where })
    })


    const cancel = traced("Subscriptions.cancel")(function*(id: string, input: Cancellation) {
      return yield* billing(Effect.gen(function*() {
        const s = yield* locked(id, ["trialing", "active", "past_due", "unpaid", "paused", "incomplete"], "cancel")
        const when = input.when ?? "end_of_period"
        const refundType = input.refundType ?? "none"
        const at = yield* now
        const comment = input.comment ?? null
        if (when === "instantly" || s.status === "unpaid" || s.status === "paused" || s.status === "incomplete") {
          const ended = yield* cycle.end({ ...s, cancelComment: comment, canceledAt: isoAt(at) }, at, refundType)
          return ended
        }
        if (when === "specific_date") {
          if (input.date === undefined) return yield* new Invalid({ field: "date", message: "is required when when is specific_date" })
          const date = msOf(input.date)
          if (date < at) return yield* new Invalid({ field: "date", message: "must not be in the past" })
          return yield* save(s.id, { cancelAt: isoAt(date), cancelRefundType: refundType, cancelComment: comment, canceledAt: isoAt(at) })
        }
        return yield* save(s.id, { cancelAtPeriodEnd: true, cancelRefundType: refundType, cancelComment: comment, canceledAt: isoAt(at) })
      }))
    })

    const resume = traced("Subscriptions.resume")(function*(id: string) {
      return yield* billing(Effect.gen(function*() {
        const s = yield* locked(id, ["trialing", "active", "past_due", "paused"], "resume")
        if (s.status === "paused") {
          const at = yield* now
          // Billing restarts from the resume: a new cycle, charged now.
          yield* cycle.startBilling(s, at, "subscription_cycle")
          return yield* save(s.id, {}, "subscription.resumed")
        }
        if (!s.cancelAtPeriodEnd && s.cancelAt === null) {
          return yield* new Conflict({ message: `subscription ${s.id} has no scheduled cancellation and is not paused` })
        }
        return yield* save(s.id, { cancelAtPeriodEnd: false, cancelAt: null, cancelRefundType: null, canceledAt: null, cancelComment: null }, "subscription.resumed")
      }))
    })

    /** Pauses billing now; resuming starts a new period, less the credit for the paused rest. */
    const pause = traced("Subscriptions.pause")(function*(id: string) {
      return yield* store.transaction(Effect.gen(function*() {
        const s = yield* locked(id, ["active", "past_due"], "pause")
        const at = yield* now
        // The unused rest of the period is credited to the next invoice (the one resuming
        // writes), so pausing and resuming never bills the same time twice.
        if (s.prepaid !== null && unusedPrepaid(s.prepaid, currentPeriod(s).end, at) !== 0) {
          const t = yield* cycle.termsOf(s)
          yield* applyProration(s, [prorationCredit(s.id, t, s.prepaid, currentPeriod(s).end, at, { units: 1, of: 1 }, "Paused")], "create_prorations")
        }
        return yield* save(s.id, { status: "paused", pausedAt: isoAt(at), prepaid: null }, "subscription.paused")
      }))
    })

    const convertTrial = traced("Subscriptions.convertTrial")(function*(id: string, input: { readonly price?: string }) {
      return yield* billing(Effect.gen(function*() {
        const s = yield* locked(id, ["trialing"], "convert its trial")
        const plan = yield* plans.get(s.plan).pipe(Effect.orDie)
        const price = input.price === undefined ? yield* prices.get(s.price).pipe(Effect.orDie) : yield* pickPrice(plan, input.price, undefined, s.currency, "price")
        yield* fitsLine(plan, price, s.seats, "price")
        const at = yield* now
        const started = yield* cycle.startBilling(
          { ...s, price: price.id, currency: price.currency, interval: price.schedule as "week" | "month" | "year", trialWillEndSent: true },
          at,
          "subscription_cycle"
        )
        return yield* save(started.id, {})
      }))
    })

    /** The next invoice, prorations and usage so far included, computed now and stored nowhere. */
    const upcomingInvoice = traced("Subscriptions.upcomingInvoice")(function*(id: string) {
      const s = yield* store.get(id)
      const draft = yield* cycle.upcoming(s)
      if (draft === null) {
        const ending = s.cancelAtPeriodEnd ? " and ends at period end" : s.cancelAt !== null ? ` and ends on ${s.cancelAt}` : ""
        return yield* new NotFound({ resource: "upcoming invoice", id: `subscription ${s.id} is ${s.status}${ending}, with nothing left to invoice` })
      }
      return draft.invoice
    })

    return {
      create, get, list, ...planChanges, cancel, resume, pause, convertTrial, upcomingInvoice
    } as const
  }),
  dependencies: [SubscriptionCycle.Default, Events.Default, Customers.Default, Plans.Default, Prices.Default, Invoices.Default, PaymentMethods.Default]
}) {}
