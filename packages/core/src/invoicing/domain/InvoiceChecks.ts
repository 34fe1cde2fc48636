/**
 * The invariants an invoice must hold before it is finalized (and numbered): its totals are the
 * sums of its lines, and no subscription is billed twice for the same stretch of time.
 */
import type { Invoice, InvoiceLine } from "./Invoice.js"

const sum = (lines: ReadonlyArray<InvoiceLine>, pick: (l: InvoiceLine) => number) => lines.reduce((a, l) => a + pick(l), 0)

/** Regular period charges of one subscription whose service periods overlap, if any. */
const overlappingPeriod = (lines: ReadonlyArray<InvoiceLine>): string | null => {
  const bySubscription = new Map<string, Array<{ start: string; end: string }>>()
  for (const line of lines) {
    if (line.type !== "subscription" || line.subscription === null || line.period === null) continue
    const periods = bySubscription.get(line.subscription) ?? []
    periods.push(line.period)
    bySubscription.set(line.subscription, periods)
  }
  for (const [subscription, periods] of bySubscription) {
    // ISO-8601 UTC instants of one format compare as text.
    const sorted = [...periods].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0))
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i].start < sorted[i - 1].end) {
        return `subscription ${subscription} is billed twice for ${sorted[i].start} – ${sorted[i - 1].end}`
      }
    }
  }
  return null
}

/** A description of the first broken invariant, or null when the invoice is sound. */
export const checkInvoice = (invoice: Invoice): string | null => {
  const { lines } = invoice
  for (const [i, l] of lines.entries()) {
    // sub_total is before the discount, as on Stripe: total = sub_total − discount + tax.
    if (l.subTotal - l.discount + l.taxTotal !== l.total) return `line ${i}: sub_total − discount + tax_total ≠ total`
    if (l.includingTax ? l.total !== l.amount - l.discount : l.subTotal !== l.amount) {
      return `line ${i}: its amount, discount and totals disagree`
    }
  }
  if (sum(lines, (l) => l.total) !== invoice.total) return "total ≠ the sum of the line totals"
  if (sum(lines, (l) => l.subTotal) !== invoice.subTotal) return "sub_total ≠ the sum of the line sub_totals"
  if (sum(lines, (l) => l.taxTotal) !== invoice.taxTotal) return "tax_total ≠ the sum of the line taxes"
  if (sum(lines, (l) => l.discount) !== invoice.discountTotal) return "discount_total ≠ the sum of the line discounts"
  return overlappingPeriod(lines)
}
