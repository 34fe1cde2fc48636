/**
 * Payments and refunds through the payment provider port, in three steps (house rule 8: money
 * leaves once). 1. Inside the command's transaction, commit the intent: a `pending` payment whose
 * idempotency key is `<invoice id>:attempt-<n>`, or a `pending` refund (its id is its key) with
 * the amount reserved on its payment. 2. After commit, call the provider with that key, outside
 * any transaction. 3. Record the outcome in a transaction of its own, once (a record no longer
 * pending is left alone). A crash, a timeout or a defect between 2 and 3 leaves the record
 * pending; the billing loop resumes it with the same key, and the provider answers with the
 * first outcome. A rolled-back intent never reached the provider: nothing was charged.
 */
import { Duration, Effect, FiberRef, Option } from "effect"
import { Conflict, Invalid } from "../kernel/Errors.js"
import type { Invoice } from "../invoicing/domain/index.js"
import { chargeDescription, Payment, Refund, type PaymentStatus, type RefundCreate } from "./domain/Payment.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { type ChargeOutcome, type ChargeRequest, PaymentProvider, type ProviderDisputeIn, type RefundOutcome, type RefundRequest } from "./PaymentProvider.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { Events } from "../events/index.js"
import type { Page, PageRequest } from "../kernel/Page.js"
import { PaymentMethods } from "./PaymentMethods.js"
import { PaymentInvoices } from "./PaymentInvoices.js"
import { type MoneyRecord, PaymentWrites } from "./PaymentWrites.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import { createdWithin, nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { PaymentRecords, RefundRecords } from "./domain/Records.js"
import { notImported } from "../kernel/ProviderLink.js"

export interface TimeFilters {
  /** Epoch milliseconds, inclusive. */
  readonly from?: number
  readonly to?: number
}

/** A committed intent, to be sent to the provider once its transaction has committed. */
export type MoneyIntent =
  | { readonly _tag: "charge"; readonly payment: Payment; readonly request: ChargeRequest }
  | { readonly _tag: "refund"; readonly refund: Refund; readonly request: RefundRequest }

/** Intents made inside `collectIntents`, waiting for its transaction to commit. */
const intents = FiberRef.unsafeMake<Array<MoneyIntent> | undefined>(undefined)

const encodePayment = encoder(Payment)
const encodeRefund = encoder(Refund)

/** The key a charge attempt is sent with: the same attempt is always the same key. */
export const attemptKey = (invoiceId: string, attempt: number) => `${invoiceId}:attempt-${attempt}`

export class Payments extends Effect.Service<Payments>()("@billkit/core/Payments", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const provider = yield* PaymentProvider
    const paymentMethods = yield* PaymentMethods
    const events = yield* Events
    const payments = yield* makeRepository(PaymentRecords)
    // Read only here: a refund shrinks what its invoice prepaid for a subscription.
    const invoices = yield* PaymentInvoices
    const refunds = yield* makeRepository(RefundRecords)
    // Revenue rollups learn of every status a payment or refund is written with.
    const writes = yield* PaymentWrites
    const moneyOf = (kind: "payment" | "refund", r: Payment | Refund): MoneyRecord => ({ kind, currency: r.currency, amount: r.amount, status: r.status, createdAt: r.createdAt })

    /**
     * Runs `self` (a transaction) and returns, with its result, the intents it committed. If it
     * fails, its intents rolled back with it and are dropped: they never reach the provider.
     */
    const collectIntents = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, ReadonlyArray<MoneyIntent>], E, R> =>
      Effect.suspend(() => {
        const made: Array<MoneyIntent> = []
        return Effect.map(Effect.locally(self, intents, made), (a) => [a, made] as const)
      })

    const queue = (intent: MoneyIntent) =>
      Effect.map(FiberRef.get(intents), (queued) => {
        // Outside `collectIntents` the intent just stays pending: the billing loop resumes it.
        queued?.push(intent)
      })

    /**
     * Commits (in the caller's transaction) a pending attempt to charge what remains of `invoice`
     * as its attempt number `attempt`, to a payment method (the one given, else the customer's
     * default). None without any method. Fails with UniqueViolation when another attempt of the
     * invoice is still pending.
     */
    const startCharge = traced("Payments.startCharge")(function*(invoice: Invoice, paymentMethodId: string | null, attempt: number, automatic: boolean) {
      const method = paymentMethodId === null
        ? yield* paymentMethods.defaultFor(invoice.customer)
        : yield* Effect.map(paymentMethods.find(invoice.customer, paymentMethodId), Option.filter((pm) => pm.status === "active"))
      if (Option.isNone(method)) return Option.none()
      const idempotencyKey = attemptKey(invoice.id, attempt)
      const payment: Payment = {
        id: yield* ids.next("payment"),
        object: "payment",
        ...notImported,
        customer: invoice.customer,
        invoice: invoice.id,
        amount: invoice.amountRemaining,
        currency: invoice.currency,
        status: "pending",
        paymentMethod: method.value.id,
        failureCode: null,
        failureMessage: null,
        amountRefunded: 0,
        providerRef: null,
        nextActionUrl: null,
        attempt,
        idempotencyKey,
        automatic,
        dispute: null,
        createdAt: yield* nowIso
      }
      yield* payments.insert(payment)
      yield* writes.written(undefined, moneyOf("payment", payment))
      const request: ChargeRequest = {
        providerRef: method.value.providerRef,
        amount: payment.amount,
        currency: payment.currency,
        description: chargeDescription(invoice),
        idempotencyKey
      }
      const intent = { _tag: "charge" as const, payment, request }
      yield* queue(intent)
      return Option.some(intent)
    })

    /**
     * Asks the provider, bounded by `providerTimeoutMs`. None when the outcome is unknown (a
     * timeout, a defect, a refused key): the record stays pending and is resumed with its key.
     */
    const ask = <A>(what: string, call: Effect.Effect<A, unknown>) =>
      Effect.gen(function*() {
        const config = yield* BillingConfig
        return yield* call.pipe(
          Effect.timeoutFail({ duration: Duration.millis(config.providerTimeoutMs), onTimeout: () => "timeout" as const }),
          Effect.asSome,
          Effect.catchAllCause((cause) =>
            Effect.as(Effect.logWarning(`payment provider: ${what} left pending`, cause), Option.none<A>())
          )
        )
      })

    const callCharge = (request: ChargeRequest): Effect.Effect<Option.Option<ChargeOutcome>> =>
      ask(`charge ${request.idempotencyKey}`, Effect.suspend(() => provider.charge(request)))

    /**
     * Records a charge's outcome, in the caller's transaction: None when the payment is no longer
     * pending (another process, or an earlier run, recorded it first).
     */
    const recordCharge = traced("Payments.recordCharge")(function*(paymentId: string, outcome: ChargeOutcome, settles: ReadonlyArray<PaymentStatus> = ["pending"]) {
      const payment = yield* payments.get(paymentId, true).pipe(Effect.orDie)
      if (!settles.includes(payment.status)) return Option.none<Payment>()
      const recorded: Payment = {
        ...payment,
        status: outcome.status,
        failureCode: outcome.status === "failed" ? outcome.failureCode : null,
        failureMessage: outcome.status === "failed" ? outcome.failureMessage : null,
        providerRef: outcome.providerRef,
        nextActionUrl: outcome.status === "requires_action" ? (outcome.nextActionUrl ?? null) : null
      }
      yield* payments.update(recorded).pipe(Effect.orDie)
      yield* writes.written(moneyOf("payment", payment), moneyOf("payment", recorded))
      yield* events.emit(outcome.status === "succeeded" ? "payment.succeeded" : "payment.failed", recorded.id, encodePayment(recorded))
      return Option.some(recorded)
    })

    /** The request a pending payment was (or would have been) sent with, rebuilt from storage. */
    const chargeRequestOf = traced("Payments.chargeRequestOf")(function*(payment: Payment) {
      const method = payment.paymentMethod === null ? Option.none() : yield* paymentMethods.find(payment.customer, payment.paymentMethod)
      if (Option.isNone(method) || payment.invoice === null || payment.idempotencyKey === null) return Option.none<ChargeRequest>()
      return Option.some<ChargeRequest>({
        providerRef: method.value.providerRef,
        amount: payment.amount,
        currency: payment.currency,
        description: yield* invoices.describe(payment.invoice),
        idempotencyKey: payment.idempotencyKey
      })
    })

    /**
     * Commits (in a transaction of its own, or the caller's) a pending refund of up to the
     * unrefunded remainder of a payment, 409 beyond it. The amount is reserved on the payment at
     * once, so that two refunds can never together exceed it; a refund the provider fails gives
     * it back.
     */
    const startRefund = traced("Payments.startRefund")(function*(paymentId: string, input: RefundCreate) {
      return yield* payments.transaction(Effect.gen(function*() {
        const payment = yield* payments.get(paymentId, true)
        if (payment.connection !== null) {
          // Imported from a connected account: Billkit's provider did not make it and must not refund it.
          return yield* new Conflict({ message: `payment ${payment.id} was imported from ${payment.connection}: refund it in Stripe; the next sync brings the refund over` })
        }
        if (payment.status !== "succeeded") {
          return yield* new Conflict({ message: `payment ${payment.id} is ${payment.status}: only a succeeded payment can be refunded` })
        }
        if (input.currency !== undefined && input.currency !== payment.currency) {
          return yield* new Invalid({ field: "currency", message: `must be the payment's currency, ${payment.currency}` })
        }
        const remainder = payment.amount - payment.amountRefunded
        const amount = input.amount ?? remainder
        if (amount > remainder || amount <= 0) {
          return yield* new Conflict({
            field: "amount",
            message: `only ${remainder} (minor units of ${payment.currency}) of this payment is left to refund`
          })
        }
        const refund: Refund = {
          id: yield* ids.next("refund"),
          object: "refund",
          ...notImported,
          payment: payment.id,
          customer: payment.customer,
          invoice: payment.invoice,
          amount,
          currency: payment.currency,
          reason: input.reason ?? null,
          status: "pending",
          providerRef: null,
          createdAt: yield* nowIso
        }
        yield* refunds.insert(refund).pipe(Effect.orDie)
        yield* writes.written(undefined, moneyOf("refund", refund))
        yield* payments.update({ ...payment, amountRefunded: payment.amountRefunded + amount }).pipe(Effect.orDie)
        // What the invoice prepaid shrinks with the intent, in this transaction: the command that
        // refunds (a prorated cancel) holds the subscription's row already, so taking it here
        // keeps one lock order. A refund the provider then fails does not grow it back.
        if (payment.invoice !== null) {
          yield* invoices.refunding(payment.invoice, amount)
        }
        const request: RefundRequest = {
          providerPaymentRef: payment.providerRef ?? payment.id,
          amount,
          currency: payment.currency,
          idempotencyKey: refund.id
        }
        const intent = { _tag: "refund" as const, refund, request }
        yield* queue(intent)
        return intent
      }))
    })

    const callRefund = (request: RefundRequest): Effect.Effect<Option.Option<RefundOutcome>> =>
      ask(`refund ${request.idempotencyKey}`, Effect.suspend(() => provider.refund(request)))

    /** Records a refund's outcome in a transaction of its own, once; a failed one frees its amount. */
    const recordRefund = traced("Payments.recordRefund")(function*(refundId: string, outcome: RefundOutcome) {
      return yield* payments.transaction(Effect.gen(function*() {
        const refund = yield* refunds.get(refundId, true).pipe(Effect.orDie)
        if (refund.status !== "pending") return refund
        const recorded: Refund = { ...refund, status: outcome.status, providerRef: outcome.providerRef }
        yield* refunds.update(recorded).pipe(Effect.orDie)
        yield* writes.written(moneyOf("refund", refund), moneyOf("refund", recorded))
        if (outcome.status === "failed") {
          const payment = yield* payments.get(refund.payment, true).pipe(Effect.orDie)
          yield* payments.update({ ...payment, amountRefunded: payment.amountRefunded - refund.amount }).pipe(Effect.orDie)
        }
        yield* events.emit("refund.created", recorded.id, encodeRefund(recorded))
        return recorded
      }))
    })

    /** Sends a committed refund to the provider and records the answer; pending if none came. */
    const settleRefund = traced("Payments.settleRefund")(function*(refund: Refund, request: RefundRequest) {
      const outcome = yield* callRefund(request)
      if (Option.isNone(outcome)) return refund
      return yield* recordRefund(refund.id, outcome.value)
    })

    /** The request a pending refund was sent with, rebuilt from storage. */
    const refundRequestOf = traced("Payments.refundRequestOf")(function*(refund: Refund) {
      const payment = yield* payments.get(refund.payment).pipe(Effect.orDie)
      return { providerPaymentRef: payment.providerRef ?? payment.id, amount: refund.amount, currency: refund.currency, idempotencyKey: refund.id } satisfies RefundRequest
    })

    /** Refunds up to the unrefunded remainder of a payment; 409 beyond it. */
    const refund = traced("Payments.refund")(function*(paymentId: string, input: RefundCreate) {
      const intent = yield* startRefund(paymentId, input)
      return yield* settleRefund(intent.refund, intent.request)
    })

    /**
     * Commits refunds of `amount` spread over an invoice's succeeded payments, newest first, in
     * the caller's transaction; they go to the provider once it has committed.
     */
    const refundInvoice = traced("Payments.refundInvoice")(function*(invoiceId: string, amount: number, reason: string) {
      let left = amount
      const paid = yield* paymentsOfInvoice(invoiceId)
      for (const p of [...paid].reverse()) {
        if (left <= 0) break
        const take = Math.min(left, p.amount - p.amountRefunded)
        if (take <= 0 || p.status !== "succeeded" || p.connection !== null) continue
        yield* startRefund(p.id, { amount: take, reason }).pipe(Effect.orDie)
        left -= take
      }
      return amount - left
    })

    /** Payments and refunds still pending (oldest first, at most `limit` of each): work to resume. */
    /**
     * Up to `limit` pending records Billkit made, from `pageAfter` (pages of pending records in
     * id order). Imported ones (a Stripe charge still pending) are Stripe's to settle, never asked
     * again by Billkit: they are paged past, so that a page of them cannot hide Billkit's own.
     */
    const ownPending = <A extends { readonly connection: string | null }, R>(
      pageAfter: (after: string | undefined) => Effect.Effect<Page<A>, never, R>,
      limit: number
    ) =>
      Effect.gen(function*() {
        const own: Array<A> = []
        let after: string | undefined
        for (;;) {
          const page = yield* pageAfter(after)
          own.push(...page.data.filter((r) => r.connection === null))
          if (own.length >= limit || !page.hasMore || page.nextCursor === null) return own.slice(0, limit)
          after = page.nextCursor
        }
      })
    const pendingPage = (limit: number) => (after: string | undefined) =>
      ({ limit, ...(after === undefined ? {} : { startingAfter: after }) })

    const pending = traced("Payments.pending")(function*(limit: number) {
      const page = pendingPage(limit)
      return {
        charges: yield* ownPending((after) => payments.list(page(after), { where: { status: "pending" } }), limit),
        refunds: yield* ownPending((after) => refunds.list(page(after), { where: { status: "pending" } }), limit)
      }
    })

    /**
     * Records, in the caller's transaction, a refund made at the provider rather than by Billkit
     * (Stripe's dashboard): a succeeded refund of the payment, its amount taken from what is left
     * to refund and from what the invoice prepaid. Once per provider refund; None when it is
     * already recorded or exceeds what is left.
     */
    const recordProviderRefund = traced("Payments.recordProviderRefund")(function*(paymentId: string, made: { readonly providerRef: string; readonly amount: number }) {
      const known = yield* refunds.findBy("provider_ref", made.providerRef)
      if (Option.isSome(known)) return Option.none<Refund>()
      const payment = yield* payments.get(paymentId, true).pipe(Effect.orDie)
      if (payment.status !== "succeeded" || made.amount <= 0 || made.amount > payment.amount - payment.amountRefunded) {
        yield* Effect.logWarning(`provider refund ${made.providerRef} of ${made.amount} does not fit payment ${payment.id}; not recorded`)
        return Option.none<Refund>()
      }
      const refund: Refund = {
        id: yield* ids.next("refund"),
        object: "refund",
        ...notImported,
        payment: payment.id,
        customer: payment.customer,
        invoice: payment.invoice,
        amount: made.amount,
        currency: payment.currency,
        reason: "made at the payment provider",
        status: "succeeded",
        providerRef: made.providerRef,
        createdAt: yield* nowIso
      }
      yield* refunds.insert(refund).pipe(Effect.orDie)
      yield* writes.written(undefined, moneyOf("refund", refund))
      yield* payments.update({ ...payment, amountRefunded: payment.amountRefunded + made.amount }).pipe(Effect.orDie)
      if (payment.invoice !== null) yield* invoices.refunding(payment.invoice, made.amount)
      yield* events.emit("refund.created", refund.id, encodeRefund(refund))
      return Option.some(refund)
    })

    /**
     * Records, in the caller's transaction, a dispute of a succeeded payment as the provider has it
     * now (read back, so deliveries in any order end the same): `disputed` while it is open or once
     * lost, `succeeded` again once won. `payment.disputed` when Billkit first learns of it,
     * `payment.dispute_closed` when it learns it ended. False when nothing changed.
     */
    const recordDispute = traced("Payments.recordDispute")(function*(paymentId: string, dispute: ProviderDisputeIn) {
      const payment = yield* payments.get(paymentId, true).pipe(Effect.orDie)
      if (payment.status !== "succeeded" && payment.status !== "disputed") {
        yield* Effect.logWarning(`dispute ${dispute.providerRef} names payment ${payment.id}, which is ${payment.status}; not recorded`)
        return false
      }
      const won = dispute.status === "won" || dispute.status === "warning_closed"
      const closed = won || dispute.status === "lost"
      const next: Payment = {
        ...payment,
        status: won ? "succeeded" : "disputed",
        dispute: { id: dispute.providerRef, amount: dispute.amount, reason: dispute.reason, status: dispute.status }
      }
      const before = payment.dispute
      if (before !== null && before.id === dispute.providerRef && before.status === dispute.status && before.amount === dispute.amount && payment.status === next.status) {
        return false
      }
      yield* payments.update(next).pipe(Effect.orDie)
      if (before === null || before.id !== dispute.providerRef) yield* events.emit("payment.disputed", next.id, encodePayment(next))
      const wasClosed = before !== null && before.id === dispute.providerRef && ["won", "lost", "warning_closed"].includes(before.status)
      if (closed && !wasClosed) yield* events.emit("payment.dispute_closed", next.id, encodePayment(next))
      return true
    })

    /** The payment a provider reference (`pi_…`) names, in the current tenant. */
    const findByProviderRef = (providerRef: string) => payments.findBy("provider_ref", providerRef)

    const paymentsOfInvoice = (invoiceId: string) =>
      Effect.map(payments.list({ limit: 100 }, { where: { invoice: invoiceId } }), (page) => page.data)


    const list = traced("Payments.list")(function*(
      page: PageRequest,
      filters: TimeFilters & { readonly customer?: string; readonly status?: PaymentStatus; readonly connection?: string } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.status !== undefined) where.status = filters.status
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* payments.list(page, { where, ...createdWithin(filters) })
    })

    const listRefunds = traced("Payments.listRefunds")(function*(
      page: PageRequest,
      filters: TimeFilters & { readonly customer?: string; readonly connection?: string } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* refunds.list(page, { where, ...createdWithin(filters) })
    })

    return {
      collectIntents,
      startCharge,
      callCharge,
      recordCharge,
      chargeRequestOf,
      startRefund,
      callRefund,
      recordRefund,
      settleRefund,
      refundRequestOf,
      pending,
      refund,
      refundInvoice,
      paymentsOfInvoice,
      findByProviderRef,
      recordProviderRefund,
      recordDispute,
      get: (id: string) => payments.get(id),
      getRefund: (id: string) => refunds.get(id),
      list,
      listRefunds
    } as const
  }),
  dependencies: [PaymentMethods.Default, Events.Default]
}) {}
