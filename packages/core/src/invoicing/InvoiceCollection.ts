/**
 * Collecting payment on issued invoices: a charge attempt is committed in the command's
 * transaction (a pending payment), sent to the provider after commit and outside any
 * transaction, and its outcome recorded in a transaction of its own (house rule 8); the
 * invoice is then paid, or a failed automatic attempt is handed to Dunning for a retry. Also
 * resuming intents left pending, and the guard that keeps an invoice from being settled twice.
 */
import { Clock, Effect, type Option } from "effect"
import { Conflict } from "../kernel/Errors.js"
import type { Invoice } from "./domain/Invoice.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { Dunning } from "./Dunning.js"
import { Events } from "../events/index.js"
import type { Payment } from "../payments/domain/index.js"
import type { ChargeOutcome, ChargeRequest, RefundOutcome } from "../payments/index.js"
import { type MoneyIntent, Payments } from "../payments/index.js"
import { makeInvoiceStore } from "./InvoiceStore.js"
import { makeInvoiceEvents } from "./InvoiceEvents.js"
import { InvoiceSubscriptions } from "./InvoiceSubscriptions.js"
import { InvoicePaidHooks } from "./InvoicePaidHooks.js"
import { atInstant, msOf, nowIso } from "../kernel/Time.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import { inBatch, type Prefetch } from "../kernel/StorageBatch.js"
import { traced } from "../kernel/Traced.js"

export const makeInvoiceCollection = Effect.gen(function*() {
  const payments = yield* Payments
  const dunning = yield* Dunning
  const events = yield* Events
  const subscriptions = yield* InvoiceSubscriptions
  const paidHooks = yield* InvoicePaidHooks
  const repo = yield* makeInvoiceStore
  const storage = yield* Storage
  const emit = yield* makeInvoiceEvents

  const markPaid = (invoice: Invoice, amountPaid: number) =>
    Effect.gen(function*() {
      const paid: Invoice = {
        ...invoice,
        status: "paid",
        amountPaid: invoice.amountPaid + amountPaid,
        amountRemaining: 0,
        nextPaymentAttempt: null,
        paidAt: yield* nowIso
      }
      yield* repo.update(paid).pipe(Effect.orDie)
      yield* emit("invoice.paid", paid)
      yield* subscriptions.paid(paid)
      yield* paidHooks.paid(paid)
      return paid
    })

  /**
   * After a failed automatic payment (attempt number `invoice.attemptCount`): Dunning says when
   * to retry and moves the subscription; a subscription that expired unstarted voids it.
   */
  const paymentFailed = (invoice: Invoice) =>
    Effect.gen(function*() {
      const next = yield* dunning.nextAttempt(invoice)
      const failed: Invoice = { ...invoice, nextPaymentAttempt: next }
      yield* repo.update(failed).pipe(Effect.orDie)
      yield* emit("invoice.payment_failed", failed)
      if (!(yield* subscriptions.paymentFailed(failed, next === null))) return failed
      const voided: Invoice = { ...failed, status: "void", amountRemaining: 0, nextPaymentAttempt: null, voidedAt: yield* nowIso }
      yield* repo.update(voided).pipe(Effect.orDie)
      yield* emit("invoice.voided", voided)
      return voided
    })

  /**
   * Starts the next payment attempt of an open invoice, in the caller's transaction: a pending
   * payment under the key `<invoice>:attempt-<n>`, with `n` committed on the invoice. The
   * provider is called once that transaction has committed (`committing`, or the billing loop).
   * Without a payment method nothing is pending: an automatic attempt fails at once (dunning),
   * a manual one answers None. Fails with UniqueViolation if an attempt is still pending.
   */
  const startAttempt = (invoice: Invoice, paymentMethod: string | null, automatic: boolean) =>
    Effect.gen(function*() {
      const attempt = invoice.attemptCount + 1
      const started = yield* payments.startCharge(invoice, paymentMethod, attempt, automatic)
      if (started._tag === "None") {
        if (!automatic) return { invoice, started: false }
        return { invoice: yield* paymentFailed({ ...invoice, attemptCount: attempt }), started: false }
      }
      // While an automatic attempt is pending no retry is due: the loop resumes the attempt
      // instead. A manual one (a pay request) leaves dunning's schedule as it was: if it fails,
      // the next retry still comes.
      const attempting: Invoice = { ...invoice, attemptCount: attempt, nextPaymentAttempt: automatic ? null : invoice.nextPaymentAttempt }
      yield* repo.update(attempting).pipe(Effect.orDie)
      return { invoice: attempting, started: true }
    })

  /**
   * Records a charge's outcome in a transaction of its own, once: the invoice is paid, or (an
   * automatic attempt) enters dunning. A payment recorded before (another process, a resumed
   * run) changes nothing. Returns the payment as recorded.
   */
  const recordCharge = (payment: Payment, outcome: Parameters<typeof payments.recordCharge>[1], settles?: Parameters<typeof payments.recordCharge>[2]) =>
    // (Not `events.batched` here: `settleAll` batches the events of all the outcomes it records.)
    repo.transaction(Effect.gen(function*() {
      // The invoice first, then its payment: every writer of both takes them in this order.
      const invoice = yield* repo.get(payment.invoice!, true).pipe(Effect.orDie)
      const recorded = yield* payments.recordCharge(payment.id, outcome, settles)
      if (recorded._tag === "None") return yield* payments.get(payment.id).pipe(Effect.orDie)
      const paid = recorded.value
      if (paid.status === "succeeded") {
        if (invoice.status === "open" || invoice.status === "uncollectible") yield* markPaid(invoice, paid.amount)
        else yield* Effect.logWarning(`payment ${paid.id} succeeded on invoice ${invoice.id}, which is ${invoice.status}: refund it`)
      } else if (paid.automatic && invoice.status === "open" && paid.attempt === invoice.attemptCount) {
        yield* paymentFailed(invoice)
      } else if (invoice.status === "open") {
        // A failed pay request: announced like any failed payment, dunning's schedule untouched.
        yield* emit("invoice.payment_failed", invoice)
      }
      return paid
    }))

  /** Sends a committed attempt to the provider and records the outcome; still pending if none came. */
  const settleCharge = (payment: Payment, request: ChargeRequest) =>
    Effect.gen(function*() {
      const outcome = yield* payments.callCharge(request)
      if (outcome._tag === "None") return payment
      return yield* recordCharge(payment, outcome.value)
    })

  /** Settles one committed intent (charge or refund); returns true when its outcome is recorded. */
  const settle = (intent: MoneyIntent) =>
    intent._tag === "charge"
      ? Effect.map(settleCharge(intent.payment, intent.request), (p) => p.status !== "pending")
      : Effect.map(payments.settleRefund(intent.refund, intent.request), (r) => r.status !== "pending")

  const intentCreatedAt = (intent: MoneyIntent) => intent._tag === "charge" ? intent.payment.createdAt : intent.refund.createdAt

  /**
   * Sends committed intents to the provider (outside any transaction, `collectConcurrency` at a time), then records
   * the answers together in one transaction; should that fail, each in one of its own. Safe
   * either way: recording is once per record, and an unrecorded answer is asked again later
   * under the same key. `atIntentTime`: record each at the instant its intent was made (the
   * billing loop on a test clock). Returns the intents still pending.
   */
  const settleAll = (intents: ReadonlyArray<MoneyIntent>, atIntentTime = false) =>
    Effect.gen(function*() {
      type Answered =
        | { readonly intent: Extract<MoneyIntent, { _tag: "charge" }>; readonly outcome: ChargeOutcome }
        | { readonly intent: Extract<MoneyIntent, { _tag: "refund" }>; readonly outcome: RefundOutcome }
      const answered: Array<Answered> = []
      const pending: Array<MoneyIntent> = []
      // Up to `collectConcurrency` calls in flight; outcomes are kept in the intents' order.
      const { collectConcurrency } = yield* BillingConfig
      const outcomes = yield* Effect.forEach(intents, (intent): Effect.Effect<{ readonly intent: MoneyIntent; readonly outcome: Option.Option<ChargeOutcome | RefundOutcome> }> =>
        intent._tag === "charge"
          ? Effect.map(payments.callCharge(intent.request), (outcome) => ({ intent, outcome }))
          : Effect.map(payments.callRefund(intent.request), (outcome) => ({ intent, outcome })), { concurrency: Math.max(1, collectConcurrency) })
      for (const { intent, outcome } of outcomes) {
        if (outcome._tag === "Some") answered.push({ intent, outcome: outcome.value } as Answered)
        else pending.push(intent)
      }
      const record = (a: Answered): Effect.Effect<unknown, never, CurrentTenant> => {
        const self = a.intent._tag === "charge"
          ? recordCharge(a.intent.payment, a.outcome as ChargeOutcome)
          : payments.recordRefund(a.intent.refund.id, a.outcome as RefundOutcome)
        return atIntentTime ? atInstant<unknown, never, CurrentTenant>(msOf(intentCreatedAt(a.intent)))(self) : self
      }
      if (answered.length === 0) return pending
      // Recorded set-wise (kernel/StorageBatch): the invoices and payments read with one
      // query each, locked in that order as every writer of both takes them, then the
      // subscriptions a paid invoice moves (locked, as `InvoiceLinks.paid` reads each) and the
      // referrals a first payment may qualify, written together.
      const tenant = yield* CurrentTenant
      const charged = answered.flatMap((a) => a.intent._tag === "charge" ? [a.intent.payment] : [])
      const prefetch: ReadonlyArray<Prefetch> = [
        { spec: Collections.Invoices, field: "id", values: charged.flatMap((p) => p.invoice === null ? [] : [p.invoice]), forUpdate: true },
        { spec: Collections.Payments, field: "id", values: charged.map((p) => p.id), forUpdate: true },
        {
          spec: Collections.Subscriptions,
          field: "id",
          values: (loaded) => loaded(Collections.Invoices).flatMap((i) => typeof i.subscription === "string" ? [i.subscription] : []),
          forUpdate: true
        },
        { spec: Collections.Referrals, field: "customer", values: charged.map((p) => p.customer) }
      ]
      yield* repo.transaction(inBatch(storage, tenant, prefetch, events.batched(Effect.forEach(answered, record, { discard: true })))).pipe(
        Effect.catchAllCause(() =>
          Effect.forEach(answered, (a) =>
            // Retried at once, twice: recording is once per record, so a second try is safe,
            // and what fails it here is mostly transient (Postgres aborting one side of a
            // deadlock with another worker's batch that locks the same subscription).
            record(a).pipe(Effect.sandbox, Effect.retry({ times: 2 }), Effect.unsandbox, Effect.catchAllCause((cause) =>
              Effect.zipRight(Effect.logWarning(`recording the outcome of ${a.intent.request.idempotencyKey} failed; it stays pending`, cause), Effect.sync(() => pending.push(a.intent)))
            )), { discard: true })
        )
      )
      return pending
    })

  /**
   * Runs `self` as one transaction, then sends the payment attempts and refunds it committed to
   * the provider and records their outcomes (`settleAll`). What `self` returned may be stale by
   * then: callers re-read what a payment can change.
   */
  const committing = <A, E, R>(self: Effect.Effect<A, E, R>) =>
    Effect.gen(function*() {
      const [result, intents] = yield* payments.collectIntents(repo.transaction(self))
      if (intents.length > 0) yield* settleAll(intents)
      return result
    })

  /**
   * Intents left pending (a crash, a timeout, an unknown outcome), rebuilt from storage with
   * their original idempotency keys, oldest first. A payment whose method is gone is skipped
   * (logged): a body without it could not be the first one.
   */
  const pendingIntents = (limit: number) =>
    Effect.gen(function*() {
      const found = yield* payments.pending(limit)
      const out: Array<MoneyIntent> = []
      for (const payment of found.charges) {
        const request = yield* payments.chargeRequestOf(payment)
        if (request._tag === "None") yield* Effect.logWarning(`payment ${payment.id} is pending but cannot be resumed: its payment method is gone`)
        else out.push({ _tag: "charge", payment, request: request.value })
      }
      for (const refund of found.refunds) out.push({ _tag: "refund", refund, request: yield* payments.refundRequestOf(refund) })
      return out
    })

  /**
   * A charge of the invoice is in flight: anything that would settle it another way (void, paid
   * out of band, a credit down to zero) waits for its outcome, or the card could pay it twice.
   */
  const refuseWhileCharging = (invoice: Invoice, action: string) =>
    Effect.flatMap(payments.paymentsOfInvoice(invoice.id), (found) =>
      found.some((p) => p.status === "pending")
        ? Effect.fail(new Conflict({ message: `a payment of invoice ${invoice.id} is in progress: ${action} once its outcome is recorded` }))
        : Effect.void)

  /**
   * Starts one dunning retry of an open invoice whose `next_payment_attempt` has come, in the
   * caller's transaction (the loop's batch). False when there was nothing to start: not due, or
   * an attempt (a pay request) is still pending.
   */
  const retryPayment = traced("Invoices.retryPayment")(function*(id: string) {
    const invoice = yield* repo.get(id, true).pipe(Effect.orDie)
    if (invoice.status !== "open" || invoice.nextPaymentAttempt === null) return false
    if (msOf(invoice.nextPaymentAttempt) > (yield* Clock.currentTimeMillis)) return false
    return yield* startAttempt(invoice, null, true).pipe(
      Effect.as(true),
      Effect.catchTag("UniqueViolation", () => Effect.succeed(false))
    )
  })

  return {
    markPaid,
    paymentFailed,
    startAttempt,
    recordCharge,
    settleCharge,
    settle,
    settleAll,
    intentCreatedAt,
    committing,
    pendingIntents,
    refuseWhileCharging,
    retryPayment
  } as const
})

/** What InvoiceIssuing and the Invoices service use of collection. */
export type InvoiceCollection = Effect.Effect.Success<typeof makeInvoiceCollection>
