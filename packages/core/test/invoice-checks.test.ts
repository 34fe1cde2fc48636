/** The invariants checked before an invoice is finalized and numbered. */
import { BigDecimal } from "effect"
import { describe, expect, it } from "vitest"
import { checkInvoice } from "../src/invoicing/domain/InvoiceChecks.js"
import type { Invoice, InvoiceLine } from "../src/invoicing/domain/Invoice.js"

const zero = BigDecimal.fromBigInt(0n)
const line = (over: Partial<InvoiceLine>): InvoiceLine => ({
  type: "subscription", description: "Pro", subscription: "sub_1", price: "price_1",
  quantity: BigDecimal.fromBigInt(1n), unitAmount: BigDecimal.fromBigInt(1000n), amount: 1000, discount: 0,
  subTotal: 1000, taxRate: zero, taxTotal: 0, total: 1000, includingTax: false,
  period: { start: "2024-01-01T00:00:00.000Z", end: "2024-02-01T00:00:00.000Z" }, proration: null, ...over
})
const invoice = (lines: ReadonlyArray<InvoiceLine>, over: Partial<Invoice> = {}) => ({
  lines,
  subTotal: lines.reduce((n, l) => n + l.subTotal, 0),
  discountTotal: lines.reduce((n, l) => n + l.discount, 0),
  taxTotal: lines.reduce((n, l) => n + l.taxTotal, 0),
  total: lines.reduce((n, l) => n + l.total, 0),
  ...over
}) as Invoice

describe("checkInvoice", () => {
  it("passes a sound invoice: consecutive periods of one subscription, and prorations beside them", () => {
    expect(checkInvoice(invoice([
      line({}),
      line({ period: { start: "2024-02-01T00:00:00.000Z", end: "2024-03-01T00:00:00.000Z" } }),
      line({ type: "proration", amount: -500, subTotal: -500, total: -500, period: { start: "2024-01-16T00:00:00.000Z", end: "2024-02-01T00:00:00.000Z" } })
    ]))).toBeNull()
  })

  it("refuses a subscription billed twice for overlapping periods", () => {
    const problem = checkInvoice(invoice([line({}), line({ period: { start: "2024-01-15T00:00:00.000Z", end: "2024-02-15T00:00:00.000Z" } })]))
    expect(problem).toMatch(/sub_1 is billed twice/)
    // Two subscriptions may share a period.
    expect(checkInvoice(invoice([line({}), line({ subscription: "sub_2" })]))).toBeNull()
  })

  it("refuses totals that do not add up", () => {
    expect(checkInvoice(invoice([line({})], { total: 1001 }))).toMatch(/total/)
    expect(checkInvoice(invoice([line({ taxTotal: 210, total: 1000 })]))).toMatch(/line 0/)
    expect(checkInvoice(invoice([line({})], { taxTotal: 5 }))).toMatch(/tax_total/)
  })
})
