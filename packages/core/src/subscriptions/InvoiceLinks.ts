/**
 * The subscriptions feature's side of the ports invoicing and payments report through: what an
 * invoice's payment outcome, credit or refund does to the subscription it bills (the status
 * moves of domain/SubscriptionStatus.ts), and how a charge for an invoice is described. Wired at
 * the composition root (Layers.ts); each runs in the caller's transaction.
 */
import { Clock, Effect, Layer } from "effect"
import { Events } from "../events/index.js"
import { InvoiceRecords, type Invoice } from "../invoicing/domain/index.js"
import { InvoiceSubscriptions } from "../invoicing/index.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import { isoAt } from "../kernel/Time.js"
import { chargeDescription } from "../payments/domain/index.js"
import { PaymentInvoices } from "../payments/index.js"
import { Subscription } from "./domain/Subscription.js"
import { afterInvoicePaid, afterPaymentFailed, moveTo } from "./domain/SubscriptionStatus.js"
import { makeSubscriptionStore, shrinkPrepaidOf } from "./SubscriptionStore.js"

const encodeSubscription = encoder(Subscription)

export const layerInvoiceSubscriptions = Layer.effect(
  InvoiceSubscriptions,
  Effect.gen(function*() {
    const events = yield* Events
    const store = yield* makeSubscriptionStore

    /** The subscription `invoice` bills, locked, if the invoice is its latest. */
    const billedBy = (invoice: Invoice) =>
      Effect.gen(function*() {
        if (invoice.subscription === null) return null
        const sub = yield* store.get(invoice.subscription, true).pipe(Effect.orDie)
        return sub.latestInvoice === invoice.id ? sub : null
      })

    return {
      paid: (invoice) =>
        Effect.gen(function*() {
          const sub = yield* billedBy(invoice)
          const next = sub === null ? null : afterInvoicePaid(sub.status)
          if (sub === null || next === null) return
          yield* store.update(moveTo(sub, next, isoAt(yield* Clock.currentTimeMillis))).pipe(Effect.orDie)
        }),
      paymentFailed: (invoice, final) =>
        Effect.gen(function*() {
          const sub = yield* billedBy(invoice)
          if (sub === null) return false
          const config = yield* BillingConfig
          const next = afterPaymentFailed(sub.status, final, config.afterFinalFailure)
          if (next === null) return false
          const moved = moveTo(sub, next.status, isoAt(yield* Clock.currentTimeMillis), next.ends)
          yield* store.update(moved).pipe(Effect.orDie)
          // past_due is quiet (as before); an end or unpaid is announced.
          if (next.ends) yield* events.emit("subscription.canceled", sub.id, encodeSubscription(moved))
          else if (next.status === "unpaid") yield* events.emit("subscription.updated", sub.id, encodeSubscription(moved))
          return next.voidInvoice
        }),
      credited: (invoice, amount) => shrinkPrepaidOf(store, invoice.subscription, invoice.id, amount)
    }
  })
).pipe(Layer.provide(Events.Default))

export const layerPaymentInvoices = Layer.effect(
  PaymentInvoices,
  Effect.gen(function*() {
    const invoices = yield* makeRepository(InvoiceRecords)
    const store = yield* makeSubscriptionStore
    return {
      describe: (invoiceId) => Effect.map(invoices.get(invoiceId).pipe(Effect.orDie), chargeDescription),
      refunding: (invoiceId, amount) =>
        Effect.gen(function*() {
          const invoice = yield* invoices.get(invoiceId).pipe(Effect.orDie)
          yield* shrinkPrepaidOf(store, invoice.subscription, invoice.id, amount)
        })
    }
  })
)

/** Both ports, for the composition root. */
export const layerInvoiceLinks = Layer.mergeAll(layerInvoiceSubscriptions, layerPaymentInvoices)
