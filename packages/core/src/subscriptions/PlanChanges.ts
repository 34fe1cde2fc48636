/**
 * Plan, price and seat changes: now, prorated the way the caller asks (pending items, an invoice
 * now, or nothing), or scheduled for the next period start. The commands of the Subscriptions
 * service that change what a subscription is billed for; each is one transaction.
 */
import { Effect } from "effect"
import type { DraftLine } from "../invoicing/domain/index.js"
import { Invalid } from "../kernel/Errors.js"
import { nthPeriod } from "../kernel/Period.js"
import type { PlanChange, Proration, Subscription, When } from "./domain/Subscription.js"
import { billedQuantity, currentPeriod, prorationCharge, prorationCredit, type Terms, unusedPrepaid, unusedPrepaidTotal } from "./domain/SubscriptionLines.js"
import { lineTax } from "../invoicing/domain/index.js"
import { Plans } from "../catalog/index.js"
import { Prices } from "../catalog/index.js"
import { SubscriptionCycle } from "./SubscriptionCycle.js"
import type { SubscriptionCommands } from "./SubscriptionCommands.js"
import { isoAt } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"

/** A line's total with tax. */
const totalOf = (line: DraftLine) => lineTax({ amount: line.amount, rate: line.taxRate, includingTax: line.includingTax }).total

/** What stays prepaid of the stretch after `at`: its unused part, from `at` on. */
const restOfPrepaid = (s: Subscription, periodEnd: number, at: number): Subscription["prepaid"] =>
  s.prepaid === null
    ? null
    : {
      ...s.prepaid,
      since: isoAt(at),
      amount: unusedPrepaid(s.prepaid, periodEnd, at),
      total: unusedPrepaidTotal(s.prepaid, periodEnd, at)
    }

/** The plan and seat commands, over the Subscriptions service's shared `commands`. */
export const makePlanChanges = ({ applyProration, billing, fitsLine, locked, now, pickPrice, planOf, save, store }: SubscriptionCommands) =>
  Effect.gen(function*() {
    const cycle = yield* SubscriptionCycle
    const plans = yield* Plans
    const prices = yield* Prices

    /** Moves a paid subscription to new terms at `at`, prorating as asked. */
    const changeTermsNow = (s: Subscription, from: Terms, to: Terms, proration: Proration, at: number) =>
      Effect.gen(function*() {
        const period = currentPeriod(s)
        const left = unusedPrepaid(s.prepaid, period.end, at)
        if (to.price.schedule !== from.price.schedule) {
          // A new interval restarts the cycle now: credit what is unused, bill a full new period.
          const credit = s.prepaid === null || left === 0
            ? []
            : [prorationCredit(s.id, from, s.prepaid, period.end, at, { units: 1, of: 1 }, "Interval change")]
          const interval = to.price.schedule as "week" | "month" | "year"
          const next = nthPeriod(at, interval, 0)
          const moved = yield* save(s.id, {
            plan: to.plan.id, price: to.price.id, seats: to.seats, interval,
            billingAnchor: isoAt(at), currentPeriodStart: isoAt(next.start), currentPeriodEnd: isoAt(next.end), scheduledChange: null
          })
          const plan = yield* cycle.planInvoice(moved, "subscription_update", null, { terms: to, period: next })
          yield* cycle.bill(moved, { ...plan, lines: [...credit, ...plan.lines] }, next.start)
          return yield* store.get(s.id).pipe(Effect.orDie)
        }
        const lines: Array<DraftLine> = []
        if (s.prepaid !== null && left !== 0) lines.push(prorationCredit(s.id, from, s.prepaid, period.end, at, { units: 1, of: 1 }, "Change"))
        const charge = prorationCharge(s.id, to, billedQuantity(to), period, at, "Change")
        if (charge.amount !== 0) lines.push(charge)
        const invoiced = yield* applyProration(s, lines, proration)
        return yield* save(s.id, {
          plan: to.plan.id, price: to.price.id, seats: to.seats, scheduledChange: null,
          // With `none` the customer keeps what was paid; otherwise the new charge is the prepaid.
          prepaid: proration === "none"
            ? restOfPrepaid(s, period.end, at)
            : {
              since: isoAt(at),
              amount: charge.amount,
              total: totalOf(charge),
              taxRate: to.taxRate,
              includingTax: to.price.includingTax,
              invoices: [...(s.prepaid?.invoices ?? []), ...(invoiced === null ? [] : [invoiced])]
            }
        })
      })

    /** Changes plan and/or price, now (prorated) or at the next period start. */
    const change = (id: string, planRef: string | undefined, priceRef: string | undefined, when: When, proration: Proration) =>
      billing(Effect.gen(function*() {
        const s = yield* locked(id, ["trialing", "active", "past_due"], "change plan or price")
        const plan = planRef === undefined ? yield* plans.get(s.plan).pipe(Effect.orDie) : yield* planOf(planRef, "plan")
        const current = yield* prices.get(s.price).pipe(Effect.orDie)
        const price = yield* pickPrice(
          plan,
          priceRef ?? (plan.prices.includes(s.price) ? s.price : undefined),
          current.schedule,
          s.currency,
          "price"
        )
        if (price.currency !== s.currency) {
          return yield* new Invalid({ field: "price", message: `is in ${price.currency}; this subscription bills in ${s.currency}` })
        }
        yield* fitsLine(plan, price, s.seats, priceRef === undefined ? "plan" : "price")
        if (when === "next_cycle") {
          return yield* save(s.id, {
            scheduledChange: { plan: plan.id, price: price.id, seats: s.seats, effectiveAt: s.status === "trialing" ? s.trialEnd ?? s.currentPeriodEnd : s.currentPeriodEnd }
          })
        }
        const at = yield* now
        if (s.status === "trialing") {
          // A trial bills nothing, so there is nothing to prorate.
          return yield* save(s.id, { plan: plan.id, price: price.id, interval: price.schedule as "week" | "month" | "year" })
        }
        const from = yield* cycle.termsOf(s)
        const to = yield* cycle.terms(s.customer, plan, price, s.seats)
        return yield* changeTermsNow(s, from, to, proration, at)
      }))

    const changePlan = traced("Subscriptions.changePlan")((id: string, input: PlanChange) =>
      change(id, input.plan, input.price, input.when ?? "instantly", input.proration ?? "create_prorations"))

    const changePrice = traced("Subscriptions.changePrice")((id: string, input: { readonly price: string; readonly when?: When; readonly proration?: Proration }) =>
      change(id, undefined, input.price, input.when ?? "instantly", input.proration ?? "create_prorations"))

    /** Adds (positive) or removes (negative) seats now, prorating the difference. */
    const changeSeats = (id: string, delta: number, proration: Proration) =>
      billing(Effect.gen(function*() {
        const s = yield* locked(id, ["trialing", "active", "past_due"], "change seats")
        const seats = s.seats + delta
        if (seats < 1) return yield* new Invalid({ field: "seats", message: `cannot remove ${-delta} of ${s.seats} seats: at least one must remain` })
        if (delta > 0) {
          const plan = yield* plans.get(s.scheduledChange?.plan ?? s.plan).pipe(Effect.orDie)
          const price = yield* prices.get(s.scheduledChange?.price ?? s.price).pipe(Effect.orDie)
          yield* fitsLine(yield* plans.get(s.plan).pipe(Effect.orDie), yield* prices.get(s.price).pipe(Effect.orDie), seats)
          yield* fitsLine(plan, price, seats)
        }
        if (s.status === "trialing") {
          return yield* save(s.id, { seats, scheduledChange: s.scheduledChange === null ? null : { ...s.scheduledChange, seats } })
        }
        const at = yield* now
        const t = yield* cycle.termsOf(s)
        if (!t.plan.perSeat) return yield* save(s.id, { seats, scheduledChange: s.scheduledChange === null ? null : { ...s.scheduledChange, seats } })
        const period = currentPeriod(s)
        let line: DraftLine | null = null
        if (delta > 0) line = prorationCharge(s.id, t, delta, period, at, "Seats added")
        else if (s.prepaid !== null) line = prorationCredit(s.id, t, s.prepaid, period.end, at, { units: -delta, of: s.seats }, "Seats removed")
        const lines = line === null || line.amount === 0 ? [] : [line]
        const invoiced = yield* applyProration(s, lines, proration)
        const moved = proration === "none" || line === null ? { amount: 0, total: 0 } : { amount: line.amount, total: totalOf(line) }
        const rest = restOfPrepaid(s, period.end, at)
        return yield* save(s.id, {
          seats,
          // A next-cycle change keeps the seats as they are when it takes effect.
          scheduledChange: s.scheduledChange === null ? null : { ...s.scheduledChange, seats },
          prepaid: {
            since: isoAt(at),
            amount: (rest?.amount ?? 0) + moved.amount,
            total: (rest?.total ?? 0) + moved.total,
            taxRate: t.taxRate,
            includingTax: t.price.includingTax,
            invoices: [...(s.prepaid?.invoices ?? []), ...(invoiced === null ? [] : [invoiced])]
          }
        })
      }))

    const addSeats = traced("Subscriptions.addSeats")((id: string, input: { readonly seats: number; readonly proration?: Proration }) =>
      changeSeats(id, input.seats, input.proration ?? "create_prorations"))
    const removeSeats = traced("Subscriptions.removeSeats")((id: string, input: { readonly seats: number; readonly proration?: Proration }) =>
      changeSeats(id, -input.seats, input.proration ?? "create_prorations"))

    return { changePlan, changePrice, addSeats, removeSeats } as const
  })
