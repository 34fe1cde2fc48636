/**
 * Invoices after drafting: issue, finalize (checks, gapless number, balance, collection), pay,
 * void, mark uncollectible, credit notes, and dunning retries. Every command is one transaction.
 */
import { BigDecimal, Clock, DateTime, Effect, Option, Schema } from "effect"
import { Conflict, Invalid, NotFound } from "../domain/Errors.js"
import { highestIdAt, lowestIdAt } from "../domain/Ids.js"
import { CreditNote, Invoice, InvoiceItem, type CreditNoteCreate, type InvoiceCreate, type InvoiceStatus } from "../domain/Invoice.js"
import { checkInvoice } from "../domain/InvoiceChecks.js"
import { Subscription } from "../domain/Subscription.js"
import { settleBalance } from "../domain/InvoiceTotals.js"
import { fitsLine, formatBound, maxLineAmount } from "../domain/Bounds.js"
import { lineAmount } from "../domain/Money.js"
import { IdGenerator } from "../ports/IdGenerator.js"
import * as Collections from "../storage/Collections.js"
import { Balances } from "./Balances.js"
import { BillingConfig } from "./BillingConfig.js"
import { Customers } from "./Customers.js"
import { Events } from "./Events.js"
import { type Draft, type DraftLine, InvoiceDrafts, taxRateFor } from "./InvoiceDrafts.js"
import type { PageRequest } from "./Page.js"
import { Payments } from "./Payments.js"
import { Prices } from "./Prices.js"
import { Products } from "./Products.js"
import { makeInvoiceStore } from "./InvoiceStore.js"
import { encoder } from "./Encoder.js"
import { makeRepository } from "./Repository.js"
import { Sequences } from "./Sequences.js"
import { makeSubscriptionStore, shrinkPrepaidOf } from "./SubscriptionStore.js"
import { isoAt, nowIso } from "./Time.js"
import { Vouchers } from "./Vouchers.js"
import { traced } from "./Traced.js"

const day = 86_400_000
const encodeInvoice = encoder(Invoice)
const encodeCreditNote = encoder(CreditNote)
const encodeSubscription = encoder(Subscription)
const ms = (iso: string) => DateTime.toEpochMillis(DateTime.unsafeMake(iso))

export interface IssueOptions {
  /** Finalize (and collect) at once, as subscription invoices are. */
  readonly finalize: boolean
  /** Charge this payment method rather than the customer's default. */
  readonly paymentMethod?: string | null
  /** Pending invoice items this invoice absorbs. */
  readonly items?: ReadonlyArray<InvoiceItem>
}

export class Invoices extends Effect.Service<Invoices>()("@billkit/core/Invoices", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const drafts = yield* InvoiceDrafts
    const payments = yield* Payments
    const balances = yield* Balances
    const vouchers = yield* Vouchers
    const sequences = yield* Sequences
    const events = yield* Events
    const customers = yield* Customers
    const prices = yield* Prices
    const products = yield* Products
    const subscriptions = yield* makeSubscriptionStore
    const repo = yield* makeInvoiceStore
    const items = yield* makeRepository(Collections.InvoiceItems, InvoiceItem, {
      resource: "invoice item",
      index: (i) => ({ customer: i.customer, subscription: i.subscription, status: i.status, invoice: i.invoice })
    })
    const creditNotes = yield* makeRepository(Collections.CreditNotes, CreditNote, {
      resource: "credit note",
      index: (c) => ({ invoice: c.invoice, customer: c.customer })
    })

    const emit = (type: "invoice.created" | "invoice.finalized" | "invoice.paid" | "invoice.payment_failed" | "invoice.voided", invoice: Invoice) =>
      events.emit(type, invoice.id, encodeInvoice(invoice))

    /** A subscription whose invoice got paid is back in good standing. */
    const subscriptionPaid = (invoice: Invoice) =>
      Effect.gen(function*() {
        if (invoice.subscription === null) return
        const sub = yield* subscriptions.get(invoice.subscription, true).pipe(Effect.orDie)
        if (sub.latestInvoice !== invoice.id) return
        if (sub.status === "past_due" || sub.status === "unpaid" || sub.status === "incomplete") {
          yield* subscriptions.update({ ...sub, status: "active", updatedAt: yield* nowIso }).pipe(Effect.orDie)
        }
      })

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
        yield* subscriptionPaid(paid)
        return paid
      })

    /** After a failed automatic payment: schedule the next retry, or give up on the subscription. */
    const paymentFailed = (invoice: Invoice) =>
      Effect.gen(function*() {
        const config = yield* BillingConfig
        const now = yield* Clock.currentTimeMillis
        const attempts = invoice.attemptCount + 1
        const firstFailure = ms(invoice.finalizedAt ?? invoice.createdAt)
        const retryDay = config.dunningRetryDays[attempts - 1]
        const next = retryDay === undefined ? null : Math.max(firstFailure + retryDay * day, now)
        const failed: Invoice = { ...invoice, attemptCount: attempts, nextPaymentAttempt: next === null ? null : isoAt(next) }
        yield* repo.update(failed).pipe(Effect.orDie)
        yield* emit("invoice.payment_failed", failed)
        if (invoice.subscription === null) return failed
        const sub = yield* subscriptions.get(invoice.subscription, true).pipe(Effect.orDie)
        if (sub.latestInvoice !== invoice.id) return failed
        const nowIsoText = isoAt(now)
        if (next === null && (sub.status === "past_due" || sub.status === "active")) {
          const final = config.afterFinalFailure
          const ended: Subscription = {
            ...sub,
            status: final,
            ...(final === "canceled" ? { canceledAt: nowIsoText, endedAt: nowIsoText } : {}),
            updatedAt: nowIsoText
          }
          yield* subscriptions.update(ended).pipe(Effect.orDie)
          yield* events.emit(final === "canceled" ? "subscription.canceled" : "subscription.updated", sub.id, encodeSubscription(ended))
        } else if (next === null && sub.status === "incomplete") {
          // The first payment never succeeded: the subscription never started (Stripe's
          // incomplete_expired). It ends, and its unpaid first invoice is voided.
          const expired: Subscription = { ...sub, status: "canceled", canceledAt: nowIsoText, endedAt: nowIsoText, updatedAt: nowIsoText }
          yield* subscriptions.update(expired).pipe(Effect.orDie)
          yield* events.emit("subscription.canceled", sub.id, encodeSubscription(expired))
          const voided: Invoice = { ...failed, status: "void", amountRemaining: 0, nextPaymentAttempt: null, voidedAt: nowIsoText }
          yield* repo.update(voided).pipe(Effect.orDie)
          yield* emit("invoice.voided", voided)
          return voided
        } else if (sub.status === "active") {
          yield* subscriptions.update({ ...sub, status: "past_due", updatedAt: nowIsoText }).pipe(Effect.orDie)
        }
        return failed
      })

    /** Charges an open invoice's remainder; a card failure enters dunning. */
    const collect = (invoice: Invoice, paymentMethod: string | null) =>
      Effect.gen(function*() {
        const result = yield* payments.chargeInvoice(invoice, paymentMethod)
        if (result.status === "succeeded") return yield* markPaid(invoice, invoice.amountRemaining)
        return yield* paymentFailed(invoice)
      })

    /** Invoice numbers are gapless: taken in the finalizing transaction, given back on rollback. */
    const nextNumber = Effect.gen(function*() {
      const config = yield* BillingConfig
      const n = yield* sequences.next("invoice")
      return `${config.invoiceNumberPrefix}-${String(n).padStart(6, "0")}`
    })

    const finalizeDraft = (invoice: Invoice, paymentMethod: string | null) =>
      Effect.gen(function*() {
        const problem = checkInvoice(invoice)
        if (problem !== null) return yield* new Conflict({ message: `invoice ${invoice.id} fails a check before finalizing: ${problem}` })
        const config = yield* BillingConfig
        const now = yield* Clock.currentTimeMillis
        // The balance is taken now, not when drafted: it may have changed since.
        const settled = settleBalance(invoice.total, yield* balances.available(invoice.customer, invoice.currency))
        const { amountDue, balanceApplied } = settled
        const open: Invoice = {
          ...invoice,
          status: "open",
          number: yield* nextNumber,
          balanceApplied,
          amountDue,
          amountRemaining: amountDue,
          finalizedAt: isoAt(now),
          dueDate: invoice.collectionMethod === "send_invoice" ? isoAt(now + config.netTermsDays * day) : isoAt(now)
        }
        if (balanceApplied !== 0) {
          yield* balances.record({
            customer: invoice.customer,
            currency: invoice.currency,
            amount: -balanceApplied,
            type: "applied_to_invoice",
            invoice: invoice.id,
            description: balanceApplied > 0 ? `Applied to invoice ${open.number}` : `Collected with invoice ${open.number}`
          })
        }
        if (settled.creditToBalance > 0) {
          yield* balances.record({
            customer: invoice.customer,
            currency: invoice.currency,
            amount: settled.creditToBalance,
            type: "invoice_credit",
            invoice: invoice.id,
            description: `Credit from invoice ${open.number}`
          })
        }
        yield* emit("invoice.finalized", open)
        // One write of the invoice: paid, failed (dunning), or open with terms.
        if (amountDue === 0) return yield* markPaid(open, 0)
        if (open.collectionMethod === "charge_automatically") return yield* collect(open, paymentMethod)
        yield* repo.update(open).pipe(Effect.orDie)
        return open
      })

    /** Stores a draft, consumes what it used (voucher cycles, pending items), and finalizes it if asked. */
    const issue = traced("Invoices.issue")(function*(draft: Draft, options: IssueOptions) {
      yield* repo.insert(draft.invoice).pipe(Effect.orDie)
      for (const redemption of draft.redemptionsUsed) yield* vouchers.recordCycle(redemption)
      for (const item of options.items ?? []) {
        yield* items.update({ ...item, status: "invoiced", invoice: draft.invoice.id }).pipe(Effect.orDie)
      }
      yield* emit("invoice.created", draft.invoice)
      if (!options.finalize) return draft.invoice
      return yield* finalizeDraft(draft.invoice, options.paymentMethod ?? null)
    })

    const inState = (invoice: Invoice, allowed: ReadonlyArray<InvoiceStatus>, action: string) =>
      allowed.includes(invoice.status)
        ? Effect.void
        : Effect.fail(new Conflict({ message: `invoice ${invoice.id} is ${invoice.status}: cannot ${action}` }))

    const finalize = traced("Invoices.finalize")(function*(id: string) {
      return yield* repo.transaction(Effect.gen(function*() {
        const invoice = yield* repo.get(id, true)
        yield* inState(invoice, ["draft"], "finalize")
        return yield* finalizeDraft(invoice, null)
      }))
    })

    const pay = traced("Invoices.pay")(function*(id: string, options: { readonly paidOutOfBand?: boolean; readonly paymentMethod?: string }) {
      return yield* repo.transaction(Effect.gen(function*() {
        let invoice = yield* repo.get(id, true)
        if (invoice.status === "draft") invoice = yield* finalizeDraft(invoice, options.paymentMethod ?? null)
        if (invoice.status === "paid") return invoice
        yield* inState(invoice, ["open", "uncollectible"], "pay")
        if (options.paidOutOfBand === true) return yield* markPaid(invoice, invoice.amountRemaining)
        const result = yield* payments.chargeInvoice(invoice, options.paymentMethod ?? null)
        if (result.status === "succeeded") return yield* markPaid(invoice, invoice.amountRemaining)
        const reason = result.failureCode ?? result.status
        return yield* new Conflict({ field: "payment_method", message: `the payment did not succeed (${reason}); invoice ${invoice.id} stays ${invoice.status}` })
      }))
    })

    const voidInvoice = traced("Invoices.void")(function*(id: string) {
      return yield* repo.transaction(Effect.gen(function*() {
        const invoice = yield* repo.get(id, true)
        yield* inState(invoice, ["draft", "open", "uncollectible"], "void")
        if (invoice.amountPaid > 0) {
          return yield* new Conflict({ message: `invoice ${invoice.id} was partly paid: refund or credit it instead of voiding` })
        }
        if (invoice.balanceApplied !== 0 && invoice.status !== "draft") {
          yield* balances.record({
            customer: invoice.customer,
            currency: invoice.currency,
            amount: invoice.balanceApplied,
            type: "adjustment",
            invoice: invoice.id,
            description: `Returned from voided invoice ${invoice.number ?? invoice.id}`
          })
        }
        const voided: Invoice = { ...invoice, status: "void", amountRemaining: 0, nextPaymentAttempt: null, voidedAt: yield* nowIso }
        yield* repo.update(voided).pipe(Effect.orDie)
        yield* emit("invoice.voided", voided)
        return voided
      }))
    })

    const markUncollectible = traced("Invoices.markUncollectible")(function*(id: string) {
      return yield* repo.transaction(Effect.gen(function*() {
        const invoice = yield* repo.get(id, true)
        yield* inState(invoice, ["open"], "be marked uncollectible")
        const marked: Invoice = { ...invoice, status: "uncollectible", nextPaymentAttempt: null, markedUncollectibleAt: yield* nowIso }
        yield* repo.update(marked).pipe(Effect.orDie)
        return marked
      }))
    })

    /** One dunning retry of an open invoice whose `next_payment_attempt` has come. */
    const retryPayment = traced("Invoices.retryPayment")(function*(id: string) {
      const invoice = yield* repo.get(id, true).pipe(Effect.orDie)
      if (invoice.status !== "open" || invoice.nextPaymentAttempt === null) return invoice
      if (ms(invoice.nextPaymentAttempt) > (yield* Clock.currentTimeMillis)) return invoice
      return yield* collect(invoice, null)
    })

    /** A one-off invoice: a draft of free-form lines, or lines at a catalog price. */
    const createOneOff = traced("Invoices.createOneOff")(function*(input: InvoiceCreate) {
      return yield* repo.transaction(Effect.gen(function*() {
        const customer = yield* customers.get(input.customer).pipe(
          Effect.catchTag("NotFound", () => new Invalid({ field: "customer", message: `no such customer: ${input.customer}` }))
        )
        const config = yield* BillingConfig
        let currency = input.currency
        const lines: Array<DraftLine> = []
        for (const [i, line] of input.lines.entries()) {
          const quantity = line.quantity ?? BigDecimal.fromBigInt(1n)
          if (BigDecimal.isNegative(quantity)) return yield* new Invalid({ field: `lines[${i}].quantity`, message: "must not be negative" })
          let unit: BigDecimal.BigDecimal
          let includingTax = line.includingTax ?? false
          let taxType: "standard" | "digital" = "standard"
          let priceId: string | null = null
          if (line.price !== undefined) {
            const price = yield* prices.get(line.price).pipe(
              Effect.catchTag("NotFound", () => new Invalid({ field: `lines[${i}].price`, message: `no such price: ${line.price}` }))
            )
            if (currency !== undefined && price.currency !== currency) {
              return yield* new Invalid({ field: `lines[${i}].price`, message: `is in ${price.currency}, the invoice in ${currency}` })
            }
            currency = price.currency
            unit = BigDecimal.fromBigInt(BigInt(price.amount))
            includingTax = line.includingTax ?? price.includingTax
            taxType = (yield* products.get(price.product)).taxType
            priceId = price.id
          } else if (line.unitAmount !== undefined) {
            unit = BigDecimal.fromBigInt(BigInt(line.unitAmount))
          } else {
            return yield* new Invalid({ field: `lines[${i}].unit_amount`, message: "is required when no price is given" })
          }
          const exact = BigDecimal.multiply(quantity, unit)
          if (!fitsLine(exact)) {
            return yield* new Invalid({
              field: `lines[${i}].quantity`,
              message: `× unit amount must be at most ${formatBound(maxLineAmount)} minor units per line`
            })
          }
          lines.push({
            type: "one_off",
            description: line.description,
            subscription: null,
            price: priceId,
            quantity,
            unitAmount: unit,
            amount: lineAmount(quantity, unit),
            taxRate: line.taxRate ?? taxRateFor(customer, taxType, config.defaultTaxRate),
            includingTax,
            period: null,
            proration: null
          })
        }
        if (currency === undefined) return yield* new Invalid({ field: "currency", message: "is required when no line names a price" })
        const draft = yield* drafts.draft({ customer, currency, subscription: null, billingReason: "manual", lines, period: null })
        return yield* issue({ ...draft, invoice: { ...draft.invoice, metadata: input.metadata ?? {} } }, { finalize: false })
      }))
    })

    /** Credits part of an invoice: off what is still due, or, once paid, to the customer's balance. */
    const createCreditNote = traced("Invoices.createCreditNote")(function*(id: string, input: CreditNoteCreate) {
      return yield* repo.transaction(Effect.gen(function*() {
        const invoice = yield* repo.get(id, true)
        yield* inState(invoice, ["open", "paid"], "be credited")
        const creditable = invoice.total - invoice.amountCredited
        if (input.amount > creditable) {
          return yield* new Conflict({ field: "amount", message: `only ${creditable} of this invoice is left to credit` })
        }
        const toInvoice = Math.min(input.amount, invoice.amountRemaining)
        const toBalance = input.amount - toInvoice
        const note: CreditNote = {
          id: yield* ids.next("creditNote"),
          object: "credit_note",
          invoice: invoice.id,
          customer: invoice.customer,
          currency: invoice.currency,
          amount: input.amount,
          reason: input.reason ?? null,
          creditedTo: toBalance > 0 ? "balance" : "invoice",
          createdAt: yield* nowIso
        }
        yield* creditNotes.insert(note).pipe(Effect.orDie)
        if (toBalance > 0) {
          yield* balances.record({
            customer: invoice.customer,
            currency: invoice.currency,
            amount: toBalance,
            type: "credit_note",
            invoice: invoice.id,
            description: `Credit note on invoice ${invoice.number ?? invoice.id}`
          })
        }
        yield* shrinkPrepaidOf(subscriptions, invoice.subscription, invoice.id, input.amount)
        let updated: Invoice = { ...invoice, amountCredited: invoice.amountCredited + input.amount, amountRemaining: invoice.amountRemaining - toInvoice }
        yield* repo.update(updated).pipe(Effect.orDie)
        if (updated.status === "open" && updated.amountRemaining === 0) updated = yield* markPaid(updated, 0)
        yield* events.emit("credit_note.created", note.id, encodeCreditNote(note))
        return note
      }))
    })

    /** A customer's pending items in one currency, oldest first (at most 1,000 per invoice). */
    const pendingItems = traced("Invoices.pendingItems")(function*(customer: string, subscription: string | null, currency: string) {
      const page = yield* items.list({ limit: 1000 }, { where: { customer, status: "pending" } })
      return page.data.filter((i) => i.currency === currency && (subscription === null || i.subscription === subscription))
    })

    const addItem = (item: InvoiceItem) => items.insert(item).pipe(Effect.orDie)

    const get = (id: string) => repo.get(id)

    const list = traced("Invoices.list")(function*(
      page: PageRequest,
      filters: { readonly customer?: string; readonly subscription?: string; readonly status?: InvoiceStatus; readonly from?: number; readonly to?: number } = {}
    ) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      if (filters.subscription !== undefined) where.subscription = filters.subscription
      if (filters.status !== undefined) where.status = filters.status
      return yield* repo.list(page, {
        where,
        ...(filters.from === undefined ? {} : { idFrom: lowestIdAt("invoice", filters.from) }),
        ...(filters.to === undefined ? {} : { idTo: highestIdAt("invoice", filters.to) })
      })
    })

    const listCreditNotes = traced("Invoices.listCreditNotes")(function*(page: PageRequest, filters: { readonly invoice?: string; readonly customer?: string } = {}) {
      const where: Record<string, string> = {}
      if (filters.invoice !== undefined) where.invoice = filters.invoice
      if (filters.customer !== undefined) where.customer = filters.customer
      return yield* creditNotes.list(page, { where })
    })

    const requireInvoice = (id: string) =>
      Effect.flatMap(repo.find(id), Option.match({
        onNone: () => Effect.fail(new NotFound({ resource: "invoice", id })),
        onSome: Effect.succeed
      }))

    return {
      issue,
      finalize,
      pay,
      void: voidInvoice,
      markUncollectible,
      retryPayment,
      createOneOff,
      createCreditNote,
      pendingItems,
      addItem,
      get,
      requireInvoice,
      list,
      listCreditNotes,
      transaction: repo.transaction
    } as const
  }),
  dependencies: [InvoiceDrafts.Default, Payments.Default, Balances.Default, Vouchers.Default, Sequences.Default, Events.Default, Customers.Default, Prices.Default, Products.Default]
}) {}
