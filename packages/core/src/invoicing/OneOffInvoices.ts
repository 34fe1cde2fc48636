/**
 * One-off invoices: a draft of free-form lines, or lines at a catalog price, for a customer; it is
 * issued as a draft, to be finalized (numbered and collected) by Invoices.
 */
import { BigDecimal, Effect } from "effect"
import { Customers } from "../customers/index.js"
import { Prices, Products } from "../catalog/index.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { fitsLine, formatBound, maxLineAmount } from "../kernel/Bounds.js"
import { Invalid } from "../kernel/Errors.js"
import { lineAmount } from "../kernel/Money.js"
import { traced } from "../kernel/Traced.js"
import type { InvoiceCreate } from "./domain/Invoice.js"
import type { DraftLine } from "./domain/DraftLine.js"
import { InvoiceDrafts, taxRateFor } from "./InvoiceDrafts.js"
import { Invoices } from "./Invoices.js"

export class OneOffInvoices extends Effect.Service<OneOffInvoices>()("@billkit/core/OneOffInvoices", {
  effect: Effect.gen(function*() {
    const invoices = yield* Invoices
    const drafts = yield* InvoiceDrafts
    const customers = yield* Customers
    const prices = yield* Prices
    const products = yield* Products

    /** A one-off invoice: a draft of free-form lines, or lines at a catalog price. */
    const create = traced("OneOffInvoices.create")(function*(input: InvoiceCreate) {
      return yield* invoices.transaction(Effect.gen(function*() {
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
        return yield* invoices.issue({ ...draft, invoice: { ...draft.invoice, metadata: input.metadata ?? {} } }, { finalize: false })
      }))
    })

    return { create } as const
  }),
  dependencies: [Invoices.Default, InvoiceDrafts.Default, Customers.Default, Prices.Default, Products.Default]
}) {}
