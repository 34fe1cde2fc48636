/**
 * Turns billable lines into an invoice, without storing anything: tax per line, vouchers before
 * tax, the customer's balance after tax. The upcoming-invoice preview and the invoice that is
 * later written both come from here, so they cannot disagree.
 */
import { BigDecimal, Effect } from "effect"
import type { Customer } from "../customers/domain/index.js"
import { allocate, fixedDiscount, percentageDiscount } from "./domain/Discounts.js"
import type { DraftLine } from "./domain/DraftLine.js"
import type { AppliedDiscount, BillingReason, Invoice, InvoiceLine } from "./domain/Invoice.js"
import { AmountOutOfRange, fitsLine, formatBound, maxLineAmount } from "../kernel/Bounds.js"
import { Conflict } from "../kernel/Errors.js"
import { invoiceTotals, settleBalance } from "./domain/InvoiceTotals.js"
import type { Period } from "../kernel/Period.js"
import type { TaxType } from "../catalog/domain/index.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Balances } from "../balances/index.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { isoAt, nowIso } from "../kernel/Time.js"
import { Vouchers } from "../vouchers/index.js"
import { traced } from "../kernel/Traced.js"
import { notImported } from "../kernel/ProviderLink.js"

export interface DraftRequest {
  readonly customer: Customer
  readonly currency: string
  readonly subscription: string | null
  readonly billingReason: BillingReason
  readonly lines: ReadonlyArray<DraftLine>
  readonly period: Period | null
}

export interface Draft {
  readonly invoice: Invoice
  /** Voucher redemptions that discounted this invoice: each has used one more cycle once it is issued. */
  readonly redemptionsUsed: ReadonlyArray<string>
  /** A credit invoice's (total < 0) amount, returned to the customer's balance when issued. */
  readonly creditToBalance: number
}

/** The tax rate of a customer for a product's tax type, else the instance default. */
export const taxRateFor = (customer: Customer, taxType: TaxType, fallback: BigDecimal.BigDecimal): BigDecimal.BigDecimal =>
  (taxType === "digital" ? customer.digitalTaxRate : customer.standardTaxRate) ?? fallback

// Vouchers discount the regular cycle invoices only; prorations and one-off invoices are not
// discounted, so a voucher "for three cycles" means three renewals.
const discountedReasons: ReadonlyArray<BillingReason> = ["subscription_create", "subscription_cycle"]

export type { DraftLine }

export class InvoiceDrafts extends Effect.Service<InvoiceDrafts>()("@billkit/core/InvoiceDrafts", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const vouchers = yield* Vouchers
    const balances = yield* Balances

    /** Splits each voucher's discount over the positive lines, voucher after voucher. */
    const discountsFor = (request: DraftRequest) =>
      Effect.gen(function*() {
        const perLine = request.lines.map(() => 0)
        const applied: Array<AppliedDiscount> = []
        const used: Array<string> = []
        if (!discountedReasons.includes(request.billingReason)) return { perLine, applied, used }
        for (const d of yield* vouchers.activeDiscounts(request.customer.id)) {
          const remaining = request.lines.map((l, i) => Math.max(l.amount, 0) - perLine[i])
          const base = remaining.reduce((a, b) => a + b, 0)
          if (base <= 0) break
          let amount = 0
          if (d.type === "percentage" && d.percentage !== null) amount = percentageDiscount(base, d.percentage)
          else {
            const fixed = d.amounts.find((a) => a.currency === request.currency)
            if (fixed === undefined) continue
            amount = fixedDiscount(base, fixed.amount)
          }
          allocate(amount, remaining).forEach((share, i) => (perLine[i] += share))
          applied.push({ voucher: d.voucher, code: d.code, amount })
          used.push(d.redemption)
        }
        return { perLine, applied, used }
      })

    /** The invoice `request` would produce now: totals, discounts and balance, unsaved (`draft`). */
    const draft = traced("InvoiceDrafts.draft")(function*(request: DraftRequest) {
      // Lines are bounded where they are formed (Bounds.ts); this is the backstop, so a sum that
      // would not be exact is a clear 409, never a defect or a rounded total.
      const tooLarge = request.lines.findIndex((l) => !fitsLine(BigDecimal.fromBigInt(BigInt(l.amount))))
      if (tooLarge !== -1) {
        return yield* new Conflict({ field: "lines", message: `line ${tooLarge} (${request.lines[tooLarge].description.slice(0, 80)}) exceeds ${formatBound(maxLineAmount)} minor units` })
      }
      const discounts = yield* discountsFor(request)
      const totals = yield* Effect.try({
        try: () => invoiceTotals(
          request.lines.map((l, i) => ({ amount: l.amount, discount: discounts.perLine[i], taxRate: l.taxRate, includingTax: l.includingTax }))
        ),
        catch: (error) => error
      }).pipe(Effect.catchAll((error) =>
        error instanceof AmountOutOfRange
          ? Effect.fail(new Conflict({ field: "lines", message: `this invoice's sum would not be exact: ${error.message}` }))
          : Effect.die(error)
      ))
      const available = yield* balances.available(request.customer.id, request.currency)
      const balance = yield* Effect.try({ try: () => settleBalance(totals.total, available), catch: (error) => error }).pipe(Effect.catchAll((error) =>
        error instanceof AmountOutOfRange
          ? Effect.fail(new Conflict({ field: "balance", message: `the customer's balance and this invoice would not sum exactly: ${error.message}` }))
          : Effect.die(error)
      ))
      const lines: Array<InvoiceLine> = request.lines.map((l, i) => ({
        type: l.type,
        description: l.description,
        subscription: l.subscription,
        price: l.price,
        quantity: l.quantity,
        unitAmount: l.unitAmount,
        amount: l.amount,
        discount: totals.lines[i].discount,
        subTotal: totals.lines[i].subTotal,
        taxRate: l.taxRate,
        taxTotal: totals.lines[i].taxTotal,
        total: totals.lines[i].total,
        includingTax: l.includingTax,
        period: l.period === null ? null : { start: isoAt(l.period.start), end: isoAt(l.period.end) },
        proration: l.proration
      }))
      const invoice: Invoice = {
        id: yield* ids.next("invoice"),
        object: "invoice",
        ...notImported,
        number: null,
        customer: request.customer.id,
        subscription: request.subscription,
        status: "draft",
        billingReason: request.billingReason,
        collectionMethod: request.customer.billingType === "card" ? "charge_automatically" : "send_invoice",
        currency: request.currency,
        lines,
        discounts: discounts.applied,
        subTotal: totals.subTotal,
        discountTotal: totals.discountTotal,
        taxTotal: totals.taxTotal,
        total: totals.total,
        balanceApplied: balance.balanceApplied,
        amountDue: balance.amountDue,
        amountPaid: 0,
        amountCredited: 0,
        amountRemaining: balance.amountDue,
        periodStart: request.period === null ? null : isoAt(request.period.start),
        periodEnd: request.period === null ? null : isoAt(request.period.end),
        dueDate: null,
        attemptCount: 0,
        nextPaymentAttempt: null,
        metadata: {},
        createdAt: yield* nowIso,
        finalizedAt: null,
        paidAt: null,
        voidedAt: null,
        markedUncollectibleAt: null
      }
      return { invoice, redemptionsUsed: discounts.used, creditToBalance: balance.creditToBalance } satisfies Draft
    })

    const defaultTaxRate = Effect.map(BillingConfig, (c) => c.defaultTaxRate)

    return { draft, defaultTaxRate } as const
  }),
  dependencies: [Vouchers.Default, Balances.Default]
}) {}
