/**
 * Subscription commands: start, seats, plan and price changes with proration, cancel, resume,
 * pause, trial conversion, and the upcoming-invoice preview. Time passing (renewals, trial ends)
 * is SubscriptionCycle's; each command here is one transaction. A command that bills or refunds
 * commits its payment attempts and refunds pending, and sends them to the provider only once
 * committed (`invoices.committing`); it answers with the subscription as the outcome left it.
 */
import { Clock, Effect, Option } from "effect"
import type { DraftLine } from "../invoicing/domain/index.js"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import { InvoiceItem } from "../invoicing/domain/index.js"
import { nthPeriod } from "../kernel/Period.js"
import type { Plan } from "../catalog/domain/index.js"
import type { Price } from "../catalog/domain/index.js"
import { type Cancellation, type PlanChange, type Proration, Subscription, type SubscriptionCreate, type SubscriptionStatus, type When } from "./domain/Subscription.js"
import { billedQuantity, currentPeriod, licensedLineProblem, prorationCharge, prorationCredit, type Terms, unusedPrepaid, unusedPrepaidTotal } from "./domain/SubscriptionLines.js"
import { lineTax } from "../invoicing/domain/index.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Customers } from "../customers/index.js"
import { Invoices } from "../invoicing/index.js"
import type { PageRequest } from "../kernel/Page.js"
import { PaymentMethods } from "../payments/index.js"
import { Plans } from "../catalog/index.js"
import { Prices } from "../catalog/index.js"
import { type SubscriptionEvent, SubscriptionCycle } from "./SubscriptionCycle.js"
import { makeSubscriptionStore } from "./SubscriptionStore.js"
import { Events } from "../events/index.js"
import { encoder } from "../kernel/Encoder.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { moveTo, nothingPending } from "./domain/SubscriptionStatus.js"
import { notImported } from "../kernel/ProviderLink.js"

const day = 86_400_000

const encodeSubscription = encoder(Subscription)
const isUsagePrice = (p: Price) => (p as { readonly metric?: string | null }).metric != null

export class Subscriptions extends Effect.Service<Subscriptions>()("@billkit/core/Subscriptions", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const cycle = yield* SubscriptionCycle
    const store = yield* makeSubscriptionStore
    const events = yield* Events
    const emit = (type: SubscriptionEvent, sub: Subscription) => events.emit(type, sub.id, encodeSubscription(sub))
    const customers = yield* Customers
    const plans = yield* Plans
    const prices = yield* Prices
    const invoices = yield* Invoices
    const paymentMethods = yield* PaymentMethods

    const now = Clock.currentTimeMillis

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

    /** The licensed price a subscription to `plan` is billed at. */
    const pickPrice = (plan: Plan, ref: string | undefined, schedule: string | undefined, currency: string | undefined, field: string) =>
      Effect.gen(function*() {
        if (ref !== undefined) {
          const price = yield* prices.get(ref).pipe(Effect.catchTag("NotFound", () => new Invalid({ field, message: `no such price: ${ref}` })))
          if (!plan.prices.includes(price.id)) return yield* new Invalid({ field, message: `is not a price of plan ${plan.codeName}` })
          if (price.schedule === "one-off" || isUsagePrice(price)) {
            return yield* new Invalid({ field, message: "must be a recurring licensed price (week, month or year)" })
          }
          return price
        }
        const candidates: Array<Price> = []
        for (const id of plan.prices) {
          const p = yield* prices.get(id).pipe(Effect.orDie)
          if (p.schedule === "one-off" || isUsagePrice(p)) continue
          if (schedule !== undefined && schedule !== p.schedule) continue
          if (currency !== undefined && p.currency !== currency) continue
          candidates.push(p)
        }
        // Without a schedule, the monthly price if there is one, else the plan's first.
        candidates.sort((a, b) => Number(b.schedule === "month") - Number(a.schedule === "month"))
        if (candidates.length === 0) {
          return yield* new Invalid({
            field: schedule === undefined && currency === undefined ? "plan" : "schedule",
            message: `plan ${plan.codeName} has no ${schedule === undefined ? "recurring" : `${schedule}ly`} price${currency === undefined ? "" : ` in ${currency}`}`
          })
        }
        return candidates[0]
      })

    /** Refuses terms whose period line could not be invoiced exactly (Bounds.ts). */
    const fitsLine = (plan: Plan, price: Price, seats: number, field = "seats") => {
      const problem = licensedLineProblem(plan, price, seats)
      return problem === undefined ? Effect.void : Effect.fail(new Invalid({ field, message: field === "seats" ? problem : `${seats} seats ${problem}` }))
    }

    const planOf = (ref: string, field: string) =>
      plans.get(ref).pipe(Effect.catchTag("NotFound", () => new Invalid({ field, message: `no such plan: ${ref}` })))

    /**
     * Runs a command that may bill or refund (see `invoices.committing`), then reads the
     * subscription back: the payment's outcome may have moved its status.
     */
    const billing = <E, R>(self: Effect.Effect<Subscription, E, R>) =>
      Effect.flatMap(invoices.committing(self), (s) => store.get(s.id).pipe(Effect.orDie))

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

    /** Loads a subscription locked, in one of `allowed` statuses; never a mirror Stripe bills. */
    const locked = (id: string, allowed: ReadonlyArray<SubscriptionStatus>, action: string) =>
      Effect.flatMap(store.get(id, true), (s) =>
        s.managedBy !== "billkit"
          ? Effect.fail(new Conflict({
            message: `subscription ${s.id} is billed by Stripe (managed_by: ${s.managedBy}) and is read-only in Billkit: change it in Stripe`
          }))
          : allowed.includes(s.status)
          ? Effect.succeed(s)
          : Effect.fail(new Conflict({ message: `subscription ${s.id} is ${s.status}: cannot ${action}` })))

    /**
     * Writes proration lines the way `proration` says: as pending items for the next invoice,
     * as an invoice now, or not at all.
     */
    const applyProration = (s: Subscription, lines: ReadonlyArray<DraftLine>, proration: Proration) =>
      Effect.gen(function*() {
        if (proration === "none" || lines.length === 0) return null
        if (proration === "always_invoice") {
          const { invoice } = yield* cycle.bill(s, { lines, items: [], usage: [], reason: "subscription_update", period: null })
          return invoice?.id ?? null
        }
        for (const line of lines) {
          const item: InvoiceItem = {
            id: yield* ids.next("invoiceItem"),
            object: "invoice_item",
            customer: s.customer,
            subscription: s.id,
            currency: s.currency,
            type: line.type,
            description: line.description,
            price: line.price,
            quantity: line.quantity,
            unitAmount: line.unitAmount,
            amount: line.amount,
            taxRate: line.taxRate,
            includingTax: line.includingTax,
            period: line.period === null ? null : { start: isoAt(line.period.start), end: isoAt(line.period.end) },
            proration: line.proration,
            status: "pending",
            invoice: null,
            createdAt: isoAt(yield* now)
          }
          yield* invoices.addItem(item)
        }
        return null
      })

    /** Re-reads after billing (collection may have changed the status) and stores `changes`. */
    const save = (id: string, changes: Partial<Subscription>, event: "subscription.updated" | "subscription.paused" | "subscription.resumed" = "subscription.updated") =>
      Effect.gen(function*() {
        const current = yield* store.get(id, true).pipe(Effect.orDie)
        const at = isoAt(yield* now)
        // A status change goes through the state machine, which refuses a move it does not know.
        const moved = changes.status === undefined ? current : moveTo(current, changes.status, at)
        const next: Subscription = { ...moved, ...changes, updatedAt: at }
        yield* store.update(next).pipe(Effect.orDie)
        yield* emit(event, next)
        return next
      })

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
      create, get, list, changePlan, changePrice, addSeats, removeSeats, cancel, resume, pause, convertTrial, upcomingInvoice
    } as const
  }),
  dependencies: [SubscriptionCycle.Default, Events.Default, Customers.Default, Plans.Default, Prices.Default, Invoices.Default, PaymentMethods.Default]
}) {}
