/**
 * Issuing invoices: storing a draft (with the voucher cycles and pending items it used),
 * finalizing it (checks, gapless number, the balance taken now, then collection starts),
 * voiding, marking uncollectible, and credit notes (by amount or by line). Every command is one
 * transaction; what charging the invoice involves is InvoiceCollection's.
 */
import { Clock, Effect } from "effect"
import { Conflict, Invalid } from "../kernel/Errors.js"
import { CreditNote, type CreditNoteCreate, type Invoice, type InvoiceItem, type InvoiceStatus } from "./domain/Invoice.js"
import { checkInvoice } from "./domain/InvoiceChecks.js"
import { settleBalance } from "./domain/InvoiceTotals.js"
import { creditLines } from "./domain/CreditNoteLines.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Balances } from "../balances/index.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { Events } from "../events/index.js"
import type { Draft } from "./InvoiceDrafts.js"
import type { PageRequest } from "../kernel/Page.js"
import type { InvoiceCollection } from "./InvoiceCollection.js"
import { makeInvoiceEvents } from "./InvoiceEvents.js"
import { makeInvoiceStore } from "./InvoiceStore.js"
import { encoder } from "../kernel/Encoder.js"
import { makeRepository } from "../kernel/Repository.js"
import { Sequences } from "./Sequences.js"
import { InvoiceSubscriptions } from "./InvoiceSubscriptions.js"
import { isoAt, nowIso } from "../kernel/Time.js"
import { Vouchers } from "../vouchers/index.js"
import { traced } from "../kernel/Traced.js"
import { CreditNoteRecords, InvoiceItemRecords } from "./domain/Records.js"

const day = 86_400_000
const encodeCreditNote = encoder(CreditNote)

export interface IssueOptions {
  /** Finalize (and collect) at once, as subscription invoices are. */
  readonly finalize: boolean
  /** Charge this payment method rather than the customer's default. */
  readonly paymentMethod?: string | null
  /** Pending invoice items this invoice absorbs. */
  readonly items?: ReadonlyArray<InvoiceItem>
}

/** Fails with a Conflict unless the invoice is in one of the `allowed` states. */
export const inState = (invoice: Invoice, allowed: ReadonlyArray<InvoiceStatus>, action: string) =>
  allowed.includes(invoice.status)
    ? Effect.void
    : Effect.fail(new Conflict({ message: `invoice ${invoice.id} is ${invoice.status}: cannot ${action}` }))

export const makeInvoiceIssuing = (collection: InvoiceCollection) =>
  Effect.gen(function*() {
    const ids = yield* IdGenerator
    const balances = yield* Balances
    const vouchers = yield* Vouchers
    const sequences = yield* Sequences
    const events = yield* Events
    const subscriptions = yield* InvoiceSubscriptions
    const repo = yield* makeInvoiceStore
    const items = yield* makeRepository(InvoiceItemRecords)
    const creditNotes = yield* makeRepository(CreditNoteRecords)
    const emit = yield* makeInvoiceEvents
    const { committing, markPaid, refuseWhileCharging, startAttempt } = collection

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
    const finalize = traced("Invoices.finalize")(function*(id: string) {
      const finalized = yield* committing(Effect.gen(function*() {
        const invoice = yield* repo.get(id, true)
        yield* inState(invoice, ["draft"], "finalize")
        return yield* finalizeDraft(invoice, null)
      }))
      // The answer shows the payment's outcome when the provider gave one in time.
      return yield* repo.get(finalized.id).pipe(Effect.orDie)
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

    /**
     * A subscription's pending items in one currency, oldest first, all of them: a final invoice
     * that left some pending would strand them. The subscription is in the query, not filtered
     * after a page, so that another subscription's items cannot crowd these out.
     */
    const pendingItems = traced("Invoices.pendingItems")(function*(customer: string, subscription: string, currency: string) {
      const all: Array<InvoiceItem> = []
      let after: string | undefined
      do {
        const page = yield* items.list({ limit: 1000, ...(after === undefined ? {} : { startingAfter: after }) }, { where: { customer, subscription, status: "pending" } })
        all.push(...page.data)
        after = page.nextCursor ?? undefined
      } while (after !== undefined)
      return all.filter((i) => i.currency === currency)
    })

    const addItem = (item: InvoiceItem) => items.insert(item).pipe(Effect.orDie)

    const listCreditNotes = traced("Invoices.listCreditNotes")(function*(page: PageRequest, filters: { readonly invoice?: string; readonly customer?: string } = {}) {
      const where: Record<string, string> = {}
      if (filters.invoice !== undefined) where.invoice = filters.invoice
      if (filters.customer !== undefined) where.customer = filters.customer
      return yield* creditNotes.list(page, { where })
    })

    return {
      finalizeDraft,
      issue,
      finalize,
      void: voidInvoice,
      markUncollectible,
      createCreditNote,
      pendingItems,
      addItem,
      listCreditNotes
    } as const
  })
