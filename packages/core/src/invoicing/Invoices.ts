/**
 * Invoices after drafting, as one service. Issuing (finalize, number, void, mark uncollectible,
 * credit notes) is InvoiceIssuing's; collection (payment attempts, their outcomes, dunning
 * retries, resuming pending intents) is InvoiceCollection's. Here: `pay`, which may finalize a
 * draft and then collects, and the reads. Every command is one transaction; one that charges
 * commits a pending payment attempt and leaves the provider call and its outcome to
 * `committing` (after commit, outside any transaction: house rule 8).
 */
import { Effect } from "effect"
import { Conflict } from "../kernel/Errors.js"
import type { InvoiceStatus } from "./domain/Invoice.js"
import { Balances } from "../balances/index.js"
import { Dunning } from "./Dunning.js"
import { Events } from "../events/index.js"
import { InvoiceDrafts } from "./InvoiceDrafts.js"
import type { PageRequest } from "../kernel/Page.js"
import type { Payment } from "../payments/domain/index.js"
import { Payments } from "../payments/index.js"
import { makeInvoiceStore } from "./InvoiceStore.js"
import { makeInvoiceCollection } from "./InvoiceCollection.js"
import { inState, makeInvoiceIssuing } from "./InvoiceIssuing.js"
import { Sequences } from "./Sequences.js"
import { createdWithin } from "../kernel/Time.js"
import { Vouchers } from "../vouchers/index.js"
import { traced } from "../kernel/Traced.js"

export type { IssueOptions } from "./InvoiceIssuing.js"

export class Invoices extends Effect.Service<Invoices>()("@billkit/core/Invoices", {
  effect: Effect.gen(function*() {
    const payments = yield* Payments
    const repo = yield* makeInvoiceStore
    const collection = yield* makeInvoiceCollection
    const issuing = yield* makeInvoiceIssuing(collection)
    const { markPaid, startAttempt, settleCharge, settle, refuseWhileCharging } = collection
    const { finalizeDraft } = issuing

    const pay = traced("Invoices.pay")(function*(id: string, options: { readonly paidOutOfBand?: boolean; readonly paymentMethod?: string }) {
      // 1. Commit the attempt (a draft is finalized first, without an automatic attempt of its own).
      const started = yield* payments.collectIntents(repo.transaction(Effect.gen(function*() {
        let invoice = yield* repo.get(id, true)
        if (invoice.status === "draft") invoice = yield* finalizeDraft(invoice, options.paymentMethod ?? null, false)
        if (invoice.status === "paid") return invoice
        yield* inState(invoice, ["open", "uncollectible"], "pay")
        if (options.paidOutOfBand === true) {
          yield* refuseWhileCharging(invoice, "mark it paid")
          return yield* markPaid(invoice, invoice.amountRemaining)
        }
        const attempt = yield* startAttempt(invoice, options.paymentMethod ?? null, false).pipe(
          Effect.catchTag("UniqueViolation", () => new Conflict({ message: `a payment of invoice ${invoice.id} is in progress; retry once it is recorded` }))
        )
        if (!attempt.started) {
          return yield* new Conflict({ field: "payment_method", message: `the payment did not succeed (no_payment_method); invoice ${invoice.id} stays ${invoice.status}` })
        }
        return attempt.invoice
      })))
      const [invoice, intents] = started
      // 2. and 3. Call the provider outside any transaction; record the outcome on its own.
      let payment: Payment | null = null
      for (const intent of intents) {
        if (intent._tag === "charge") payment = yield* settleCharge(intent.payment, intent.request)
        else yield* settle(intent)
      }
      const current = yield* repo.get(invoice.id).pipe(Effect.orDie)
      // No answer in time: the payment stays pending (the loop resumes it); the invoice says so.
      if (payment === null || payment.status === "succeeded" || payment.status === "pending") return current
      const reason = payment.failureCode ?? payment.status
      return yield* new Conflict({ field: "payment_method", message: `the payment did not succeed (${reason}); invoice ${current.id} stays ${current.status}` })
    })

    const get = (id: string) => repo.get(id)

    const list = traced("Invoices.list")(function*(
      page: PageRequest,
      filters: { readonly customer?: string; readonly subscription?: string; readonly status?: InvoiceStatus; readonly from?: number; readonly to?: number; readonly connection?: string } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.subscription !== undefined) where.subscription = filters.subscription
      if (filters.status !== undefined) where.status = filters.status
      if (filters.connection !== undefined) where.connection = filters.connection
      return yield* repo.list(page, {
        where,
        ...createdWithin(filters)
      })
    })

    return {
      issue: issuing.issue,
      recordCharge: collection.recordCharge,
      finalize: issuing.finalize,
      pay,
      committing: collection.committing,
      settle,
      settleAll: collection.settleAll,
      intentCreatedAt: collection.intentCreatedAt,
      pendingIntents: collection.pendingIntents,
      void: issuing.void,
      markUncollectible: issuing.markUncollectible,
      retryPayment: collection.retryPayment,
      createCreditNote: issuing.createCreditNote,
      pendingItems: issuing.pendingItems,
      addItem: issuing.addItem,
      get,
      list,
      listCreditNotes: issuing.listCreditNotes,
      transaction: repo.transaction
    } as const
  }),
  dependencies: [InvoiceDrafts.Default, Payments.Default, Dunning.Default, Balances.Default, Vouchers.Default, Sequences.Default, Events.Default]
}) {}
