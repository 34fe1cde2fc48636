/**
 * Refunds: a refund of a succeeded payment committed as a pending refund (its id is its key, its
 * amount reserved on the payment at once, see PaymentIntents), the call to the provider, the
 * outcome recorded once (a failed refund frees its amount), refunds spread over an invoice's
 * payments, and refunds made at the provider (Stripe's dashboard) recorded as they are.
 */
import { Effect, Option } from "effect"
import { Conflict, Invalid } from "../kernel/Errors.js"
import { type Payment, Refund, type RefundCreate } from "./domain/Payment.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { PaymentProvider, type RefundOutcome, type RefundRequest } from "./PaymentProvider.js"
import { Events } from "../events/index.js"
import { PaymentInvoices } from "./PaymentInvoices.js"
import { moneyOf, PaymentWrites } from "./PaymentWrites.js"
import { ask, queue } from "./PaymentIntents.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import type { CurrentTenant } from "../kernel/Tenancy.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { PaymentRecords, RefundRecords } from "./domain/Records.js"
import { notImported } from "../kernel/ProviderLink.js"

const encodeRefund = encoder(Refund)

/** `paymentsOfInvoice`: an invoice's payments (Payments' read), for refunding an invoice. */
export const makePaymentRefunds = (paymentsOfInvoice: (invoiceId: string) => Effect.Effect<ReadonlyArray<Payment>, never, CurrentTenant>) =>
  Effect.gen(function*() {
    const ids = yield* IdGenerator
    const provider = yield* PaymentProvider
    const events = yield* Events
    const payments = yield* makeRepository(PaymentRecords)
    // Read only here: a refund shrinks what its invoice prepaid for a subscription.
    const invoices = yield* PaymentInvoices
    const refunds = yield* makeRepository(RefundRecords)
    // Revenue rollups learn of every status a payment or refund is written with.
    const writes = yield* PaymentWrites

    /** A new refund of `payment`, as Billkit makes it (not imported). */
    const refundOf = (payment: Payment, fields: Pick<Refund, "amount" | "reason" | "status" | "providerRef">) =>
      Effect.gen(function*() {
        const refund: Refund = {
          id: yield* ids.next("refund"),
          object: "refund",
          ...notImported,
          payment: payment.id,
          customer: payment.customer,
          invoice: payment.invoice,
          currency: payment.currency,
          ...fields,
          createdAt: yield* nowIso
        }
        return refund
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
        const refund = yield* refundOf(payment, { amount, reason: input.reason ?? null, status: "pending", providerRef: null })
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
      const refund = yield* refundOf(payment, { amount: made.amount, reason: "made at the payment provider", status: "succeeded", providerRef: made.providerRef })
      yield* refunds.insert(refund).pipe(Effect.orDie)
      yield* writes.written(undefined, moneyOf("refund", refund))
      yield* payments.update({ ...payment, amountRefunded: payment.amountRefunded + made.amount }).pipe(Effect.orDie)
      if (payment.invoice !== null) yield* invoices.refunding(payment.invoice, made.amount)
      yield* events.emit("refund.created", refund.id, encodeRefund(refund))
      return Option.some(refund)
    })

    return { startRefund, callRefund, recordRefund, settleRefund, refundRequestOf, refund, refundInvoice, recordProviderRefund } as const
  })
