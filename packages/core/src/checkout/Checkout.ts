/**
 * Hosted checkout: a session prices what the buyer is about to subscribe to; completing it creates
 * (or finds) the customer, applies the voucher, stores the card, starts the subscriptions (which
 * pay their first invoices) and records the outcome. Every step goes through the same services as
 * REST. A session is claimed (`open → processing`) in its own transaction before anything is
 * created, so a double submit does nothing twice; the provider is never called inside it.
 */
import { BigDecimal, Clock, Effect, Option } from "effect"
import { Customers } from "../customers/index.js"
import type { Customer } from "../customers/domain/index.js"
import { Events } from "../events/index.js"
import { Plans, Prices, Products } from "../catalog/index.js"
import type { Price } from "../catalog/domain/index.js"
import { Invoices, taxRateFor } from "../invoicing/index.js"
import { fixedDiscount, invoiceTotals, percentageDiscount } from "../invoicing/domain/index.js"
import { PaymentMethods } from "../payments/index.js"
import { Subscriptions } from "../subscriptions/index.js"
import { Vouchers } from "../vouchers/index.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { Invalid, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { defaultPage } from "../kernel/Page.js"
import { makePageToken } from "../kernel/PageTokens.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import {
  type CheckoutLine,
  checkoutLifetimeMs,
  type CheckoutSessionCreate,
  type CheckoutSubmission,
  type CheckoutTotals,
  type StoredCheckoutSession,
  toPublicSession
} from "./domain/CheckoutSession.js"
import { CheckoutSessionRecords } from "./domain/Records.js"

/** What the page shows for a voucher code: the totals with it, or why it does not apply. */
export interface Quote {
  readonly totals: CheckoutTotals
  readonly voucher: string | null
  readonly voucherProblem: string | null
}

/** As subscriptions bill it: per seat only on a per-seat plan. */
export const lineAmount = (line: CheckoutLine) => line.unitAmount * (line.perSeat ? line.seats : 1)

export class Checkout extends Effect.Service<Checkout>()("@billkit/core/Checkout", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(CheckoutSessionRecords)
    const customers = yield* Customers
    const plans = yield* Plans
    const prices = yield* Prices
    const products = yield* Products
    const vouchers = yield* Vouchers
    const paymentMethods = yield* PaymentMethods
    const subscriptions = yield* Subscriptions
    const invoices = yield* Invoices
    const events = yield* Events
    const now = Clock.currentTimeMillis

    const priceFor = (planPrices: ReadonlyArray<string>, wanted: string | undefined, currency: string | undefined, field: string) =>
      Effect.gen(function*() {
        const candidates: Array<Price> = []
        for (const id of planPrices) {
          const found = yield* prices.find(id)
          if (Option.isSome(found)) candidates.push(found.value)
        }
        const usable = candidates.filter((p) => p.recurring && (wanted === undefined ? p.public : p.id === wanted))
        const inCurrency = currency === undefined ? usable : usable.filter((p) => p.currency === currency)
        const pick = inCurrency.find((p) => p.schedule === "month") ?? inCurrency[0]
        if (pick === undefined) {
          return yield* new Invalid({ field, message: wanted !== undefined ? `is not a recurring price of this plan${currency === undefined ? "" : ` in ${currency}`}` : `this plan has no public recurring price${currency === undefined ? "" : ` in ${currency}`}` })
        }
        return pick
      })

    /** The totals due today for `lines` with the voucher `code` applied as invoices will apply it. */
    const quote = traced("Checkout.quote")(function*(session: Pick<StoredCheckoutSession, "lines" | "currency" | "taxRate">, code: string | null) {
      let voucherProblem: string | null = null
      let discount: { readonly kind: "percentage"; readonly percent: BigDecimal.BigDecimal; readonly every: boolean } | { readonly kind: "fixed"; readonly amount: number; readonly every: boolean } | null = null
      if (code !== null && code.trim() !== "") {
        const found = (yield* vouchers.list({ ...defaultPage, limit: 1 }, { code: code.trim() })).data[0]
        const at = isoAt(yield* now)
        if (found === undefined) voucherProblem = "This code is not valid"
        else if (found.status !== "active") voucherProblem = "This code is disabled"
        else if (found.expiresAt !== null && found.expiresAt <= at) voucherProblem = "This code has expired"
        else if (found.maxRedemptions !== null && found.timesRedeemed >= found.maxRedemptions) voucherProblem = "This code has been used up"
        else if (found.type === "percentage" && found.percentage !== null) {
          discount = { kind: "percentage", percent: found.percentage, every: found.duration === "forever" }
        } else {
          const fixed = found.amounts.find((a) => a.currency === session.currency)
          if (fixed === undefined) voucherProblem = `This code does not apply to ${session.currency}`
          else discount = { kind: "fixed", amount: fixed.amount, every: found.duration === "forever" }
        }
      }
      // Each subscription's first invoice is its own; a voucher that is not "forever" discounts the first one only.
      const charged = session.lines.filter((l) => l.trialDays === 0)
      let applied = false
      const lines = charged.map((line) => {
        const amount = lineAmount(line)
        let off = 0
        if (discount !== null && (discount.every || !applied)) {
          off = discount.kind === "percentage" ? percentageDiscount(amount, discount.percent) : fixedDiscount(amount, discount.amount)
          applied = true
        }
        return { amount, discount: off, taxRate: session.taxRate, includingTax: line.includingTax }
      })
      const totals = invoiceTotals(lines)
      return {
        totals: { subTotal: totals.subTotal, discountTotal: totals.discountTotal, taxTotal: totals.taxTotal, total: totals.total },
        voucher: discount === null ? null : code!.trim(),
        voucherProblem
      } satisfies Quote
    })

    const create = traced("Checkout.create")(function*(input: CheckoutSessionCreate) {
      const tenant = yield* CurrentTenant
      const customer: Customer | null = input.customer === undefined ? null : yield* customers.get(input.customer).pipe(
        Effect.mapError(() => new Invalid({ field: "customer", message: `no such customer: ${input.customer}` }))
      )
      let currency = input.currency
      const lines: Array<CheckoutLine> = []
      let taxType: "standard" | "digital" = "standard"
      for (const [i, line] of input.lines.entries()) {
        if (line.plan === undefined) return yield* new Invalid({ field: `lines.${i}.plan`, message: "is required" })
        const plan = yield* plans.get(line.plan).pipe(Effect.mapError(() => new Invalid({ field: `lines.${i}.plan`, message: `no such plan: ${line.plan}` })))
        const price = yield* priceFor(plan.prices, line.price, currency, `lines.${i}.${line.price === undefined ? "plan" : "price"}`)
        currency ??= price.currency
        if (i === 0) taxType = (yield* products.get(plan.product).pipe(Effect.orDie)).taxType
        lines.push({
          plan: plan.id,
          price: price.id,
          description: plan.name,
          seats: line.seats ?? 1,
          perSeat: plan.perSeat,
          unitAmount: price.amount,
          includingTax: price.includingTax,
          interval: price.schedule ?? "month",
          trialDays: plan.hasTrial ? plan.trialLengthDays : 0
        })
      }
      const settings = yield* BillingConfig
      const taxRate = customer === null ? settings.defaultTaxRate : taxRateFor(customer, taxType, settings.defaultTaxRate)
      const priced = yield* quote({ lines, currency: currency!, taxRate }, null)
      const at = yield* now
      const token = yield* makePageToken(tenant)
      const session: StoredCheckoutSession = {
        id: yield* ids.next("checkoutSession"),
        object: "checkout_session",
        status: "open",
        customer: customer?.id ?? null,
        email: customer?.email ?? input.email ?? null,
        currency: currency!,
        locale: input.locale ?? customer?.locale ?? "en",
        lines,
        taxRate,
        voucher: null,
        ...priced.totals,
        successUrl: input.successUrl,
        cancelUrl: input.cancelUrl,
        subscriptions: [],
        invoices: [],
        expiresAt: isoAt(at + checkoutLifetimeMs),
        createdAt: isoAt(at),
        completedAt: null,
        tokenHash: token.hash
      }
      yield* repo.insert(session).pipe(Effect.orDie) // a 256-bit secret's hash does not collide
      return { session, token: token.token }
    })

    /** The session as it stands now: an open one past its expiry reads `expired`. */
    const current = (session: StoredCheckoutSession) =>
      Effect.map(now, (at): StoredCheckoutSession =>
        session.status === "open" && at >= msOf(session.expiresAt) ? { ...session, status: "expired" } : session)

    const get = traced("Checkout.get")(function*(id: string) {
      return toPublicSession(yield* current(yield* repo.get(id)))
    })

    const byTokenHash = traced("Checkout.byTokenHash")(function*(hash: string) {
      const found = yield* repo.findBy("token_hash", hash)
      if (Option.isNone(found)) return yield* new NotFound({ resource: "checkout session", id: "(token)" })
      return yield* current(found.value)
    })

    const setStatus = (id: string, from: ReadonlyArray<StoredCheckoutSession["status"]>, patch: Partial<StoredCheckoutSession>) =>
      repo.transaction(Effect.gen(function*() {
        const locked = yield* current(yield* repo.get(id, true))
        if (!from.includes(locked.status)) return { session: locked, changed: false }
        const next = { ...locked, ...patch }
        yield* repo.update(next).pipe(Effect.orDie)
        if (next.status === "complete") yield* events.emit("checkout.session.completed", next.id, toPublicSession(next))
        return { session: next, changed: true }
      }))

    /**
     * Pays the session. Answers the session as it ends: `complete` (now or by an earlier submit),
     * `processing` (another submit is at it), or fails with what the buyer should fix (and the
     * session open again).
     */
    const complete = traced("Checkout.complete")(function*(id: string, submission: CheckoutSubmission) {
      const claim = yield* setStatus(id, ["open"], { status: "processing" })
      if (!claim.changed) {
        if (claim.session.status === "expired") return yield* new Invalid({ field: "session", message: "This checkout has expired" })
        return claim.session
      }
      const session = claim.session
      const work = Effect.gen(function*() {
        const customer = session.customer !== null
          ? yield* customers.get(session.customer)
          : (yield* customers.list({ ...defaultPage, limit: 1 }, { email: submission.email })).data[0] ??
            (yield* customers.create({ email: submission.email, locale: session.locale }))
        const priced = yield* quote(session, submission.voucher ?? null)
        if (priced.voucherProblem !== null) return yield* new Invalid({ field: "voucher", message: priced.voucherProblem })
        if (priced.voucher !== null) {
          // Already active on this customer (a returning buyer): it discounts all the same.
          yield* vouchers.redeem(customer.id, { code: priced.voucher }).pipe(Effect.catchTag("Conflict", (e) =>
            e.message.includes("already active") ? Effect.void : Effect.fail(new Invalid({ field: "voucher", message: e.message }))))
        }
        const card = yield* paymentMethods.attach(customer.id, submission.cardToken).pipe(
          Effect.mapError((e) => new Invalid({ field: "card", message: "message" in e ? `This card was refused: ${e.message}` : "This card was refused" }))
        )
        const started: Array<string> = []
        const billed: Array<string> = []
        for (const line of session.lines) {
          const sub = yield* subscriptions.create(customer.id, { plan: line.plan, price: line.price, seats: line.seats, paymentMethod: card.id })
          const first = (yield* invoices.list({ ...defaultPage, limit: 1 }, { subscription: sub.id })).data[0]
          if (sub.status === "incomplete") {
            // The first payment failed: nothing stays half-bought, the buyer may try another card.
            yield* subscriptions.cancel(sub.id, { when: "instantly" })
            for (const done of started) yield* subscriptions.cancel(done, { when: "instantly", refundType: "prorate" })
            return yield* new Invalid({ field: "card", message: "The card was declined. Try another card." })
          }
          started.push(sub.id)
          if (first !== undefined) billed.push(first.id)
        }
        const at = yield* now
        return yield* setStatus(session.id, ["processing"], {
          status: "complete",
          customer: customer.id,
          email: customer.email,
          voucher: priced.voucher,
          ...priced.totals,
          subscriptions: started,
          invoices: billed,
          completedAt: isoAt(at)
        })
      })
      return yield* work.pipe(
        Effect.map((outcome) => outcome.session),
        Effect.tapError(() => setStatus(session.id, ["processing"], { status: "open" })),
        Effect.mapError((e): Invalid => e._tag === "Invalid" ? e : new Invalid({ field: "checkout", message: "message" in e && typeof e.message === "string" ? e.message : "The checkout could not be completed" }))
      )
    })

    return { create, get, byTokenHash, quote, complete } as const
  }),
  dependencies: [
    Customers.Default, Plans.Default, Prices.Default, Products.Default, Vouchers.Default, PaymentMethods.Default,
    Subscriptions.Default, Invoices.Default, Events.Default
  ]
}) {}
