/**
 * What every subscription command is made of: the store, loading a subscription locked in an
 * allowed status, saving a change with its event, running a command that may bill or refund,
 * choosing the licensed price of a plan, and writing proration lines. Shared by the lifecycle
 * commands (Subscriptions.ts) and the plan and seat changes (PlanChanges.ts).
 */
import { Clock, Effect } from "effect"
import type { DraftLine } from "../invoicing/domain/index.js"
import { Conflict, Invalid } from "../kernel/Errors.js"
import { InvoiceItem } from "../invoicing/domain/index.js"
import type { Plan } from "../catalog/domain/index.js"
import type { Price } from "../catalog/domain/index.js"
import { type Proration, Subscription, type SubscriptionStatus } from "./domain/Subscription.js"
import { licensedLineProblem } from "./domain/SubscriptionLines.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Invoices } from "../invoicing/index.js"
import { Plans } from "../catalog/index.js"
import { Prices } from "../catalog/index.js"
import { type SubscriptionEvent, SubscriptionCycle } from "./SubscriptionCycle.js"
import { makeSubscriptionStore } from "./SubscriptionStore.js"
import { Events } from "../events/index.js"
import { encoder } from "../kernel/Encoder.js"
import { isoAt } from "../kernel/Time.js"
import { moveTo } from "./domain/SubscriptionStatus.js"

const encodeSubscription = encoder(Subscription)
const isUsagePrice = (p: Price) => (p as { readonly metric?: string | null }).metric != null

/** Made once per Subscriptions service: one store, shared by all its commands. */
export const makeSubscriptionCommands = Effect.gen(function*() {
  const ids = yield* IdGenerator
  const cycle = yield* SubscriptionCycle
  const store = yield* makeSubscriptionStore
  const events = yield* Events
  const emit = (type: SubscriptionEvent, sub: Subscription) => events.emit(type, sub.id, encodeSubscription(sub))
  const plans = yield* Plans
  const prices = yield* Prices
  const invoices = yield* Invoices

  const now = Clock.currentTimeMillis

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

  return { store, emit, now, pickPrice, fitsLine, planOf, billing, locked, applyProration, save } as const
})

export type SubscriptionCommands = Effect.Effect.Success<typeof makeSubscriptionCommands>
