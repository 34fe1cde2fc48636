/**
 * Invoices after drafting: issue, finalize (checks, gapless number, balance, collection), pay,
 * void, mark uncollectible, credit notes, and dunning retries. Every command is one transaction;
 * one that charges commits a pending payment attempt and leaves the provider call and its
 * outcome to `committing` (after commit, outside any transaction: house rule 8). What a failed
 * automatic payment does next is Dunning's.
 */
import { Clock, Effect, type Option } from "effect"
import { Conflict, Invalid } from "../kernel/Errors.js"
import { CreditNote, Invoice, InvoiceItem, type CreditNoteCreate, type InvoiceStatus } from "./domain/Invoice.js"
import { checkInvoice } from "./domain/InvoiceChecks.js"
import { Subscription } from "../subscriptions/domain/index.js"
import { settleBalance } from "./domain/InvoiceTotals.js"
import { creditLines } from "./domain/CreditNoteLines.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Balances } from "../balances/index.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { Dunning } from "./Dunning.js"
import { Events } from "../events/index.js"
import { type Draft, InvoiceDrafts } from "./InvoiceDrafts.js"
import type { PageRequest } from "../kernel/Page.js"
import type { Payment } from "../payments/domain/index.js"
import type { ChargeOutcome, ChargeRequest, RefundOutcome } from "../payments/index.js"
import { type MoneyIntent, Payments } from "../payments/index.js"
import { makeInvoiceStore } from "./InvoiceStore.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import { Sequences } from "./Sequences.js"
import { InvoiceSubscriptions } from "./InvoiceSubscriptions.js"
import { InvoicePaidHooks } from "./InvoicePaidHooks.js"
import { atInstant, createdWithin, isoAt, msOf, nowIso } from "../kernel/Time.js"
import { Vouchers } from "../vouchers/index.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import { inBatch, type Prefetch } from "../kernel/StorageBatch.js"
import { traced } from "../kernel/Traced.js"
import { CreditNoteRecords, InvoiceItemRecords } from "./domain/Records.js"

const day = 86_400_000
const encodeInvoice = encoder(Invoice)
const encodeCreditNote = encoder(CreditNote)
const encodeSubscription = encoder(Subscription)

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
    const dunning = yield* Dunning
    const balances = yield* Balances
    const vouchers = yield* Vouchers
    const sequences = yield* Sequences
    const events = yield* Events
    const subscriptions = yield* InvoiceSubscriptions
    const paidHooks = yield* InvoicePaidHooks
    const repo = yield* makeInvoiceStore
    const storage = yield* Storage
    const items = yield* makeRepository(InvoiceItemRecords)
    const creditNotes = yield* makeRepository(CreditNoteRecords)

    const emit = (type: "invoice.created" | "invoice.finalized" | "invoice.paid" | "invoice.payment_failed" | "invoice.voided", invoice: Invoice) =>
      events.emit(type, invoice.id, encodeInvoice(invoice))

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

    /** Invoice numbers are gapless: taken in the finalizing transaction, given back on rollback. */
    const nextNumber = Effect.gen(function*() {
      const config = yield* BillingConfig
      const n = yield* sequences.next("invoice")
      return `${config.invoiceNumberPrefix}-${String(n).padStart(6, "0")}`
    })

    /** `collect`: start the automatic payment attempt of a `charge_automatically` invoice. */
    const finalizeDraft = (invoice: Invoice, paymentMethod: string | null, collect = true) =>
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
        // Still one write: the attempt's number (and the pending payment) commit with it.
        if (open.collectionMethod === "charge_automatically" && collect) return (yield* startAttempt(open, paymentMethod, true).pipe(Effect.orDie)).invoice
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
      const finalized = yield* committing(Effect.gen(function*() {
        const invoice = yield* repo.get(id, true)
        yield* inState(invoice, ["draft"], "finalize")
        return yield* finalizeDraft(invoice, null)
      }))
      // The answer shows the payment's outcome when the provider gave one in time.
      return yield* repo.get(finalized.id).pipe(Effect.orDie)
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

    const voidInvoice = traced("Invoices.void")(function*(id: string) {
      return yield* repo.transaction(Effect.gen(function*() {
        const invoice = yield* repo.get(id, true)
        yield* inState(invoice, ["draft", "open", "uncollectible"], "void")
        if (invoice.amountPaid > 0) {
          return yield* new Conflict({ message: `invoice ${invoice.id} was partly paid: refund or credit it instead of voiding` })
        }
        yield* refuseWhileCharging(invoice, "void it")
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

    /** Credits part of an invoice: off what is still due, or, once paid, to the customer's balance. */
    const createCreditNote = traced("Invoices.createCreditNote")(function*(id: string, input: CreditNoteCreate) {
      if ((input.amount === undefined) === (input.lines === undefined)) {
        return yield* new Invalid({ field: input.amount === undefined ? "amount" : "lines", message: "give either amount or lines, not both or neither" })
      }
      return yield* repo.transaction(Effect.gen(function*() {
        const invoice = yield* repo.get(id, true)
        yield* inState(invoice, ["open", "paid"], "be credited")
        if (invoice.status === "open") yield* refuseWhileCharging(invoice, "credit it")
        // By lines: each line's credit and tax, within what earlier notes left of it.
        let noteLines: CreditNote["lines"] = []
        if (input.lines !== undefined) {
          const earlier = yield* creditNotes.list({ limit: 1000 }, { where: { invoice: invoice.id } })
          const result = creditLines(invoice.lines, earlier.data.flatMap((n) => n.lines), input.lines)
          if (result._tag === "Invalid") return yield* new Invalid({ field: result.field, message: result.message })
          if (result._tag === "TooMuch") return yield* new Conflict({ field: result.field, message: result.message })
          noteLines = result.lines
        }
        const amount = input.amount ?? noteLines.reduce((sum, l) => sum + l.amount + l.tax, 0)
        const creditable = invoice.total - invoice.amountCredited
        if (amount > creditable) {
          return yield* new Conflict({ field: input.amount === undefined ? "lines" : "amount", message: `only ${creditable} of this invoice is left to credit` })
        }
        const toInvoice = Math.min(amount, invoice.amountRemaining)
        const toBalance = amount - toInvoice
        const note: CreditNote = {
          id: yield* ids.next("creditNote"),
          object: "credit_note",
          invoice: invoice.id,
          customer: invoice.customer,
          currency: invoice.currency,
          amount,
          lines: noteLines,
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
        yield* subscriptions.credited(invoice, amount)
        let updated: Invoice = { ...invoice, amountCredited: invoice.amountCredited + amount, amountRemaining: invoice.amountRemaining - toInvoice }
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

    const listCreditNotes = traced("Invoices.listCreditNotes")(function*(page: PageRequest, filters: { readonly invoice?: string; readonly customer?: string } = {}) {
      const where: Record<string, string> = {}
      if (filters.invoice !== undefined) where.invoice = filters.invoice
      if (filters.customer !== undefined) where.customer = filters.customer
      return yield* creditNotes.list(page, { where })
    })

    return {
      issue,
      recordCharge,
      finalize,
      pay,
      committing,
      settle,
      settleAll,
      intentCreatedAt,
      pendingIntents,
      void: voidInvoice,
      markUncollectible,
      retryPayment,
      createCreditNote,
      pendingItems,
      addItem,
      get,
      list,
      listCreditNotes,
      transaction: repo.transaction
    } as const
  }),
  dependencies: [InvoiceDrafts.Default, Payments.Default, Dunning.Default, Balances.Default, Vouchers.Default, Sequences.Default, Events.Default]
}) {}
