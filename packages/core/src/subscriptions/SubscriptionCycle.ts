/**
 * What happens to a subscription as time passes: a trial's notice and end, each renewal, and a
 * scheduled cancellation. Each step computes its invoice with the same code the upcoming-invoice
 * preview uses, then writes it, in the caller's transaction.
 */
import { BigDecimal, Clock, Effect } from "effect"
import type { DraftLine } from "../invoicing/domain/index.js"
import type { BillingReason, Invoice, InvoiceItem } from "../invoicing/domain/index.js"
import { nthPeriod, periodAt, type Period } from "../kernel/Period.js"
import type { Plan } from "../catalog/domain/index.js"
import type { Price } from "../catalog/domain/index.js"
import { Subscription, type RefundType } from "./domain/Subscription.js"
import { trialWillEndNotice } from "./domain/SubscriptionSchedule.js"
import { currentPeriod, periodLine, type Terms, unusedPrepaidTotal } from "./domain/SubscriptionLines.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { Customers } from "../customers/index.js"
import { Events } from "../events/index.js"
import { InvoiceDrafts, taxRateFor } from "../invoicing/index.js"
import { Invoices } from "../invoicing/index.js"
import { Payments } from "../payments/index.js"
import { Plans } from "../catalog/index.js"
import { Prices } from "../catalog/index.js"
import { Products } from "../catalog/index.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import { memoForRun, memoForStep } from "../kernel/RunMemo.js"
import { makeSubscriptionStore } from "./SubscriptionStore.js"
import { type UsageCharge, UsageRollups } from "../usage/index.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { traced } from "../kernel/Traced.js"
import { BillingRunRecords } from "./domain/Records.js"
import { moveTo, nothingPending } from "./domain/SubscriptionStatus.js"

const encodeSubscription = encoder(Subscription)

/** The lines, items and usage an invoice of a subscription will carry. */
export interface InvoicePlan {
  readonly lines: ReadonlyArray<DraftLine>
  readonly items: ReadonlyArray<InvoiceItem>
  readonly usage: ReadonlyArray<UsageCharge>
  readonly reason: BillingReason
  readonly period: Period | null
}

export type SubscriptionEvent =
  | "subscription.created" | "subscription.updated" | "subscription.trial_will_end" | "subscription.canceled" | "subscription.paused"
  | "subscription.resumed" | "subscription.migrated"

export class SubscriptionCycle extends Effect.Service<SubscriptionCycle>()("@billkit/core/SubscriptionCycle", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const store = yield* makeSubscriptionStore
    const runs = yield* makeRepository(BillingRunRecords)
    const customers = yield* Customers
    const plans = yield* Plans
    const prices = yield* Prices
    const products = yield* Products
    const drafts = yield* InvoiceDrafts
    const invoices = yield* Invoices
    const payments = yield* Payments
    const usageRollups = yield* UsageRollups
    const events = yield* Events

    const emit = (type: SubscriptionEvent, s: Subscription) => events.emit(type, s.id, encodeSubscription(s))

    // Reads the loop repeats for every subscription, memoized within a run (see RunMemo).
    const customerOf = (id: string) => memoForStep(`customer:${id}`, customers.get(id).pipe(Effect.orDie))
    const planOf = (id: string) => memoForRun(`plan:${id}`, plans.get(id).pipe(Effect.orDie))
    const priceOf = (id: string) => memoForRun(`price:${id}`, prices.get(id).pipe(Effect.orDie))
    const productOf = (id: string) => memoForRun(`product:${id}`, products.get(id).pipe(Effect.orDie))

    /** Resolves the catalog objects a subscription (or a change to it) is billed with. */
    const terms = (customerId: string, plan: Plan, price: Price, seats: number) =>
      Effect.gen(function*() {
        const customer = yield* customerOf(customerId)
        const product = yield* productOf(price.product)
        const config = yield* BillingConfig
        return { plan, price, seats, taxRate: taxRateFor(customer, product.taxType, config.defaultTaxRate) } satisfies Terms
      })

    const termsOf = (s: Subscription) =>
      Effect.gen(function*() {
        const plan = yield* planOf(s.plan)
        const price = yield* priceOf(s.price)
        return yield* terms(s.customer, plan, price, s.seats)
      })

    /** Usage charges of `period` (in arrears) as invoice lines, with the usage prices' tax. */
    const usageLines = (s: Subscription, period: Period) =>
      Effect.gen(function*() {
        const charges = yield* usageRollups.chargesFor(s, period)
        const customer = yield* customerOf(s.customer)
        const config = yield* BillingConfig
        const lines: Array<DraftLine> = []
        for (const c of charges) {
          const price = yield* priceOf(c.price)
          const product = yield* productOf(price.product)
          lines.push({
            type: c.adjustment ? "usage_adjustment" : "usage",
            description: c.description,
            subscription: s.id,
            price: c.price,
            quantity: c.quantity,
            unitAmount: BigDecimal.isZero(c.quantity)
              ? BigDecimal.fromBigInt(0n)
              : BigDecimal.round(BigDecimal.unsafeDivide(BigDecimal.fromBigInt(BigInt(c.amount)), c.quantity), { scale: 6 }),
            amount: c.amount,
            taxRate: taxRateFor(customer, product.taxType, config.defaultTaxRate),
            includingTax: price.includingTax,
            period: c.period,
            proration: null
          })
        }
        return { lines, charges }
      })

    const itemLine = (i: InvoiceItem): DraftLine => ({
      type: i.type,
      description: i.description,
      subscription: i.subscription,
      price: i.price,
      quantity: i.quantity,
      unitAmount: i.unitAmount,
      amount: i.amount,
      taxRate: i.taxRate,
      includingTax: i.includingTax,
      period: i.period === null ? null : { start: msOf(i.period.start), end: msOf(i.period.end) },
      proration: i.proration
    })

    /** Pending items + usage of `usagePeriod` + (if given) the next period's charge. */
    const planInvoice = (s: Subscription, reason: BillingReason, usagePeriod: Period | null, next: { terms: Terms; period: Period } | null) =>
      Effect.gen(function*() {
        const items = yield* invoices.pendingItems(s.customer, s.id, s.currency)
        const used = usagePeriod === null ? { lines: [], charges: [] } : yield* usageLines(s, usagePeriod)
        const lines = [...items.map(itemLine), ...used.lines]
        if (next !== null) lines.push(periodLine(s.id, next.terms, next.period))
        return { lines, items, usage: used.charges, reason, period: next?.period ?? usagePeriod } satisfies InvoicePlan
      })

    /** Drafts the planned invoice (nothing stored): the preview. */
    const preview = (s: Subscription, plan: InvoicePlan) =>
      Effect.gen(function*() {
        const customer = yield* customerOf(s.customer)
        return yield* drafts.draft({ customer, currency: s.currency, subscription: s.id, billingReason: plan.reason, lines: plan.lines, period: plan.period })
      })

    /**
     * Writes the planned invoice and finalizes (collects) it. `next` is the subscription's new
     * state; it is stored once, pointing at the invoice (so that a failed payment finds it) and
     * with what the invoice's period line prepaid. An invoice with no lines is not written.
     */
    const bill = (next: Subscription, plan: InvoicePlan, prepaidSince: number | null = null) =>
      Effect.gen(function*() {
        if (plan.lines.length === 0) {
          yield* store.update(next).pipe(Effect.orDie)
          return { subscription: next, invoice: null }
        }
        const customer = yield* customerOf(next.customer)
        const draft = yield* drafts.draft({ customer, currency: next.currency, subscription: next.id, billingReason: plan.reason, lines: plan.lines, period: plan.period })
        const stored: Subscription = {
          ...next,
          latestInvoice: draft.invoice.id,
          prepaid: prepaidSince === null ? next.prepaid : prepaidBy(draft.invoice, prepaidSince)
        }
        yield* store.update(stored).pipe(Effect.orDie)
        if (plan.usage.length > 0) yield* usageRollups.markBilled(plan.usage)
        const invoice = yield* invoices.issue(draft, { finalize: true, paymentMethod: next.paymentMethod, items: plan.items })
        return { subscription: stored, invoice }
      })

    /** What the period line of `invoice` prepaid (net of its discount), for later credits. */
    const prepaidBy = (invoice: Invoice | null, since: number): Subscription["prepaid"] => {
      const line = invoice?.lines.find((l) => l.type === "subscription")
      if (invoice === null || line === undefined) return null
      return {
        since: isoAt(since),
        amount: line.amount - line.discount,
        total: line.total,
        taxRate: line.taxRate,
        includingTax: line.includingTax,
        invoices: [invoice.id]
      }
    }

    /** Claims a unit of loop work; false when another run (or process) already did it. */
    const claim = (key: string) =>
      Effect.gen(function*() {
        const run = { id: yield* ids.next("billingRun"), object: "billing_run" as const, key, createdAt: isoAt(yield* Clock.currentTimeMillis) }
        return yield* runs.insert(run).pipe(Effect.as(true), Effect.catchTag("UniqueViolation", () => Effect.succeed(false)))
      })

    /** Starts paid billing now: the first period from `at` (trial end, conversion, resume). */
    const startBilling = (s: Subscription, at: number, reason: BillingReason) =>
      Effect.gen(function*() {
        const t = yield* termsOf(s)
        const period = nthPeriod(at, s.interval, 0)
        const started: Subscription = {
          ...moveTo(s, "active", isoAt(at)),
          billingAnchor: isoAt(at),
          currentPeriodStart: isoAt(period.start),
          currentPeriodEnd: isoAt(period.end),
          trialEnd: s.trialEnd === null ? null : isoAt(Math.min(msOf(s.trialEnd), at)),
          pausedAt: null,
          prepaid: null,
          updatedAt: isoAt(at)
        }
        yield* bill(started, yield* planInvoice(started, reason, null, { terms: t, period }), period.start)
        // Collection may have moved the status (a failed payment): read it back.
        return yield* store.get(s.id, true).pipe(Effect.orDie)
      })

    /** Ends a subscription at `at`: refund as asked, invoice usage and pending items, status canceled. */
    const end = (s: Subscription, at: number, refundType: RefundType) =>
      Effect.gen(function*() {
        const period = currentPeriod(s)
        if (refundType !== "none" && s.prepaid !== null) {
          // `full` gives back all that is left of what paid for the period; `prorate` its unused
          // part, tax included. Newest paying invoice first.
          let owed = refundType === "full" ? Number.MAX_SAFE_INTEGER : unusedPrepaidTotal(s.prepaid, period.end, at)
          for (const invoiceId of [...s.prepaid.invoices].reverse()) {
            if (owed <= 0) break
            const paid = yield* invoices.get(invoiceId).pipe(Effect.orDie)
            const take = Math.min(owed, paid.amountPaid)
            if (take > 0) owed -= yield* payments.refundInvoice(invoiceId, take, `Subscription ${s.id} canceled (${refundType} refund)`)
          }
        }
        const usagePeriod = s.status === "trialing" ? null : { start: period.start, end: Math.max(period.start, Math.min(at, period.end)) }
        yield* bill(s, yield* planInvoice(s, "subscription_cancel", usagePeriod, null))
        const current = yield* store.get(s.id, true).pipe(Effect.orDie)
        const ended: Subscription = {
          ...moveTo(current, "canceled", isoAt(at)),
          cancelAtPeriodEnd: false,
          cancelAt: null,
          canceledAt: current.canceledAt ?? isoAt(at),
          endedAt: isoAt(at),
          scheduledChange: null,
          updatedAt: isoAt(at)
        }
        yield* store.update(ended).pipe(Effect.orDie)
        yield* emit("subscription.canceled", ended)
        return ended
      })

    /** The invoice the next renewal (or trial end) would write, computed now, stored nowhere. */
    const upcoming = (s: Subscription) =>
      Effect.gen(function*() {
        if (s.status === "trialing") {
          const at = msOf(s.trialEnd ?? s.currentPeriodEnd)
          if (s.cancelAtPeriodEnd || (s.cancelAt !== null && msOf(s.cancelAt) <= at)) return null
          const t = yield* termsOf(s)
          return yield* preview(s, yield* planInvoice(s, "subscription_cycle", null, { terms: t, period: nthPeriod(at, s.interval, 0) }))
        }
        if (s.status !== "active" && s.status !== "past_due") return null
        const period = currentPeriod(s)
        const cancelAt = s.cancelAt === null ? Infinity : msOf(s.cancelAt)
        if (s.cancelAtPeriodEnd || cancelAt <= period.end) {
          // The next invoice is the final one: usage and pending items up to the end, if any.
          const final = yield* planInvoice(s, "subscription_cancel", { start: period.start, end: Math.min(cancelAt, period.end) }, null)
          return final.lines.length === 0 ? null : yield* preview(s, final)
        }
        const next = yield* nextTerms(s, period.end)
        return yield* preview(s, yield* planInvoice(s, "subscription_cycle", period, next))
      })

    /** The terms and period after `periodEnd`, with any scheduled change applied. */
    const nextTerms = (s: Subscription, periodEnd: number) =>
      Effect.gen(function*() {
        const change = s.scheduledChange
        const plan = yield* planOf(change?.plan ?? s.plan)
        const price = yield* priceOf(change?.price ?? s.price)
        const interval = price.schedule === "one-off" ? s.interval : price.schedule
        // A new interval restarts the anchor at the change.
        const anchor = interval === s.interval ? msOf(s.billingAnchor) : periodEnd
        return { terms: yield* terms(s.customer, plan, price, change?.seats ?? s.seats), period: periodAt(anchor, interval, periodEnd), anchor, interval }
      })

    /** Renews at the end of the current period: usage in arrears, the next period in advance. */
    const renew = (s: Subscription) =>
      Effect.gen(function*() {
        const period = currentPeriod(s)
        if (!(yield* claim(`${s.id}:renew:${isoAt(period.end)}`))) return s
        if (s.cancelAtPeriodEnd) return yield* end(s, period.end, s.cancelRefundType ?? "none")
        const next = yield* nextTerms(s, period.end)
        const plan = yield* planInvoice(s, "subscription_cycle", period, next)
        const renewed: Subscription = {
          ...s,
          plan: next.terms.plan.id,
          price: next.terms.price.id,
          seats: next.terms.seats,
          interval: next.interval,
          billingAnchor: isoAt(next.anchor),
          currentPeriodStart: isoAt(next.period.start),
          currentPeriodEnd: isoAt(next.period.end),
          scheduledChange: null,
          prepaid: null,
          updatedAt: isoAt(period.end)
        }
        const { subscription: final } = yield* bill(renewed, plan, next.period.start)
        if (s.scheduledChange !== null) yield* emit("subscription.updated", final)
        return final
      })

    /**
     * Takes over a Stripe subscription whose migration Stripe confirmed, at `at`, the instant
     * Stripe's own billing ends: from there it is Billkit's, its first period starts at `at` and
     * is invoiced in advance now, as a renewal would be. Its status and cancellation fields were
     * Stripe's (a sync may even have mirrored Stripe ending it at `at`); they start afresh.
     */
    const takeOver = (s: Subscription & { readonly migration: NonNullable<Subscription["migration"]> }, at: number) =>
      Effect.gen(function*() {
        if (!(yield* claim(`${s.id}:migrate:${isoAt(at)}`))) return false
        const billkit: Subscription = {
          ...s,
          managedBy: "billkit",
          status: "active",
          ...nothingPending,
          trialWillEndSent: true,
          migration: { ...s.migration, status: "completed", completedAt: isoAt(at) }
        }
        const started = yield* startBilling(billkit, at, "subscription_cycle")
        yield* emit("subscription.migrated", started)
        return true
      })

    /**
     * Does the earliest work due for subscription `id` at the current instant (the Clock): a
     * trial notice or end, a renewal, a scheduled cancellation. Returns false when nothing was
     * due. Safe to run twice, or from two processes: a done step is never redone.
     */
    const step = traced("SubscriptionCycle.step")(function*(id: string) {
      const now = yield* Clock.currentTimeMillis
      const s = yield* store.get(id, true).pipe(Effect.orDie)
      if (s.managedBy !== "billkit") {
        // Stripe's until a confirmed migration's instant (domain/SubscriptionSchedule.ts).
        const migration = s.migration
        if (migration?.status !== "confirmed" || msOf(migration.at) > now) return false
        return yield* takeOver({ ...s, migration }, msOf(migration.at))
      }
      const cancelAt = s.cancelAt === null ? Infinity : msOf(s.cancelAt)
      if (s.status === "trialing") {
        const trialEnd = msOf(s.trialEnd ?? s.currentPeriodEnd)
        if (cancelAt <= now && cancelAt <= trialEnd) {
          yield* end(s, cancelAt, s.cancelRefundType ?? "none")
          return true
        }
        if (trialEnd <= now) {
          if (!(yield* claim(`${s.id}:trial_end:${isoAt(trialEnd)}`))) return false
          if (s.cancelAtPeriodEnd) yield* end(s, trialEnd, "none")
          else yield* startBilling({ ...s, trialWillEndSent: true }, trialEnd, "subscription_cycle")
          return true
        }
        if (!s.trialWillEndSent && trialEnd - trialWillEndNotice <= now) {
          const notified = { ...s, trialWillEndSent: true }
          yield* store.update(notified).pipe(Effect.orDie)
          yield* emit("subscription.trial_will_end", notified)
          return true
        }
        return false
      }
      if (s.status === "active" || s.status === "past_due") {
        const periodEnd = msOf(s.currentPeriodEnd)
        if (cancelAt <= now && cancelAt <= periodEnd) {
          yield* end(s, cancelAt, s.cancelRefundType ?? "none")
          return true
        }
        if (periodEnd <= now) {
          const before = s.currentPeriodEnd
          const after = yield* renew(s)
          return after.currentPeriodEnd !== before || after.status !== s.status
        }
      }
      return false
    })

    return { step, terms, termsOf, planInvoice, preview, bill, prepaidBy, startBilling, end, upcoming } as const
  }),
  dependencies: [Customers.Default, Plans.Default, Prices.Default, Products.Default, InvoiceDrafts.Default, Invoices.Default, Payments.Default, UsageRollups.Default, Events.Default]
}) {}
