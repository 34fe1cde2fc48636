/**
 * Payments and refunds through the payment provider port. A charge is recorded whatever its
 * outcome (a failed payment is history the customer can see); a refund never exceeds what is
 * left unrefunded of its payment.
 */
import { Effect, Option, Schema } from "effect"
import { Conflict, Invalid } from "../kernel/Errors.js"
import type { Invoice } from "../invoicing/domain/index.js"
import { Payment, Refund, type PaymentStatus, type RefundCreate } from "./domain/Payment.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { PaymentProvider } from "./PaymentProvider.js"
import * as Collections from "../kernel/Collections.js"
import { Events } from "../events/index.js"
import type { PageRequest } from "../kernel/Page.js"
import { PaymentMethods } from "./PaymentMethods.js"
import { makeInvoiceStore } from "../invoicing/InvoiceStore.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import { makeSubscriptionStore, shrinkPrepaidOf } from "../subscriptions/SubscriptionStore.js"
import { createdWithin, nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"

export interface TimeFilters {
  /** Epoch milliseconds, inclusive. */
  readonly from?: number
  readonly to?: number
}

const encodePayment = encoder(Payment)
const encodeRefund = encoder(Refund)

export class Payments extends Effect.Service<Payments>()("@billkit/core/Payments", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const provider = yield* PaymentProvider
    const paymentMethods = yield* PaymentMethods
    const events = yield* Events
    const payments = yield* makeRepository(Collections.Payments, Payment, {
      resource: "payment",
      index: (p) => ({ customer: p.customer, invoice: p.invoice, status: p.status, created_at: p.createdAt })
    })
    // Read only here: a refund shrinks what its invoice prepaid for a subscription.
    const invoices = yield* makeInvoiceStore
    const subscriptions = yield* makeSubscriptionStore
    const refunds = yield* makeRepository(Collections.Refunds, Refund, {
      resource: "refund",
      index: (r) => ({ payment: r.payment, customer: r.customer, created_at: r.createdAt })
    })

    /**
     * Charges what remains of `invoice` to a payment method (the one given, else the customer's
     * default). Without any method it records nothing and answers `failed` with `no_payment_method`.
     */
    const chargeInvoice = traced("Payments.chargeInvoice")(function*(invoice: Invoice, paymentMethodId: string | null) {
      const method = paymentMethodId === null
        ? yield* paymentMethods.defaultFor(invoice.customer)
        : yield* Effect.map(paymentMethods.find(invoice.customer, paymentMethodId), Option.filter((pm) => pm.status === "active"))
      if (Option.isNone(method)) {
        return { status: "failed" as PaymentStatus, payment: null, failureCode: "no_payment_method" }
      }
      const id = yield* ids.next("payment")
      const outcome = yield* provider.charge({
        providerRef: method.value.providerRef,
        amount: invoice.amountRemaining,
        currency: invoice.currency,
        description: `Invoice ${invoice.number ?? invoice.id}`,
        idempotencyKey: id
      })
      const payment: Payment = {
        id,
        object: "payment",
        customer: invoice.customer,
        invoice: invoice.id,
        amount: invoice.amountRemaining,
        currency: invoice.currency,
        status: outcome.status,
        paymentMethod: method.value.id,
        failureCode: outcome.status === "failed" ? outcome.failureCode : null,
        failureMessage: outcome.status === "failed" ? outcome.failureMessage : null,
        amountRefunded: 0,
        providerRef: outcome.providerRef,
        createdAt: yield* nowIso
      }
      yield* payments.insert(payment).pipe(Effect.orDie)
      yield* events.emit(outcome.status === "succeeded" ? "payment.succeeded" : "payment.failed", payment.id, encodePayment(payment))
      return { status: outcome.status, payment, failureCode: payment.failureCode }
    })

    /** Refunds up to the unrefunded remainder of a payment; 409 beyond it. */
    const refund = traced("Payments.refund")(function*(paymentId: string, input: RefundCreate) {
      return yield* payments.transaction(Effect.gen(function*() {
        const payment = yield* payments.get(paymentId, true)
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
        const result = yield* provider.refund({ providerPaymentRef: payment.providerRef ?? payment.id, amount, currency: payment.currency })
        const created: Refund = {
          id: yield* ids.next("refund"),
          object: "refund",
          payment: payment.id,
          customer: payment.customer,
          invoice: payment.invoice,
          amount,
          currency: payment.currency,
          reason: input.reason ?? null,
          status: result.status,
          providerRef: result.providerRef,
          createdAt: yield* nowIso
        }
        yield* refunds.insert(created).pipe(Effect.orDie)
        if (result.status === "succeeded") {
          yield* payments.update({ ...payment, amountRefunded: payment.amountRefunded + amount }).pipe(Effect.orDie)
          if (payment.invoice !== null) {
            const invoice = yield* invoices.get(payment.invoice).pipe(Effect.orDie)
            yield* shrinkPrepaidOf(subscriptions, invoice.subscription, invoice.id, amount)
          }
        }
        yield* events.emit("refund.created", created.id, encodeRefund(created))
        return created
      }))
    })

    /** Refunds `amount` spread over an invoice's succeeded payments, newest first. */
    const refundInvoice = traced("Payments.refundInvoice")(function*(invoiceId: string, amount: number, reason: string) {
      let left = amount
      const paid = yield* paymentsOfInvoice(invoiceId)
      for (const p of [...paid].reverse()) {
        if (left <= 0) break
        const take = Math.min(left, p.amount - p.amountRefunded)
        if (take <= 0 || p.status !== "succeeded") continue
        yield* refund(p.id, { amount: take, reason }).pipe(Effect.orDie)
        left -= take
      }
      return amount - left
    })

    const paymentsOfInvoice = (invoiceId: string) =>
      Effect.map(payments.list({ limit: 100 }, { where: { invoice: invoiceId } }), (page) => page.data)


    const list = traced("Payments.list")(function*(
      page: PageRequest,
      filters: TimeFilters & { readonly customer?: string; readonly status?: PaymentStatus } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.status !== undefined) where.status = filters.status
      return yield* payments.list(page, { where, ...createdWithin(filters) })
    })

    const listRefunds = traced("Payments.listRefunds")(function*(
      page: PageRequest,
      filters: TimeFilters & { readonly customer?: string } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      return yield* refunds.list(page, { where, ...createdWithin(filters) })
    })

    return {
      chargeInvoice,
      refund,
      refundInvoice,
      paymentsOfInvoice,
      get: (id: string) => payments.get(id),
      getRefund: (id: string) => refunds.get(id),
      list,
      listRefunds
    } as const
  }),
  dependencies: [PaymentMethods.Default, Events.Default]
}) {}
