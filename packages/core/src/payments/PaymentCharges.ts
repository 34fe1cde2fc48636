/**
 * Charges: a payment attempt of an invoice committed as a pending payment (its key
 * `<invoice id>:attempt-<n>`, see PaymentIntents), the call to the provider, the outcome recorded
 * once, the request rebuilt for a resumed attempt, and disputes of a succeeded payment.
 */
import { Effect, Option } from "effect"
import type { Invoice } from "../invoicing/domain/index.js"
import { chargeDescription, Payment, type PaymentStatus } from "./domain/Payment.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { type ChargeOutcome, type ChargeRequest, PaymentProvider, type ProviderDisputeIn } from "./PaymentProvider.js"
import { Events } from "../events/index.js"
import { PaymentMethods } from "./PaymentMethods.js"
import { PaymentInvoices } from "./PaymentInvoices.js"
import { moneyOf, PaymentWrites } from "./PaymentWrites.js"
import { ask, queue } from "./PaymentIntents.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { PaymentRecords } from "./domain/Records.js"
import { notImported } from "../kernel/ProviderLink.js"

const encodePayment = encoder(Payment)

/** The key a charge attempt is sent with: the same attempt is always the same key. */
export const attemptKey = (invoiceId: string, attempt: number) => `${invoiceId}:attempt-${attempt}`

export const makePaymentCharges = Effect.gen(function*() {
  const ids = yield* IdGenerator
  const provider = yield* PaymentProvider
  const paymentMethods = yield* PaymentMethods
  const events = yield* Events
  const payments = yield* makeRepository(PaymentRecords)
  const invoices = yield* PaymentInvoices
  // Revenue rollups learn of every status a payment is written with.
  const writes = yield* PaymentWrites

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

  return { startCharge, callCharge, recordCharge, chargeRequestOf, recordDispute } as const
})
