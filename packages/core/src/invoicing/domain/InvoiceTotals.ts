/**
 * An invoice's totals from its lines. Order of operations (API.md §3): a line's discount lowers
 * its taxable amount, tax is computed on what remains (Tax.ts, one rounding per line), the
 * invoice sums its lines exactly, and the customer's balance applies last, to the amount due.
 *
 * Every line and the invoice satisfy total = subTotal − discount + taxTotal, where subTotal is
 * before discount and without tax. For an inclusive price that is amount − taxTotal, so the
 * identity holds for mixed invoices too.
 */
import { AmountOutOfRange } from "../../kernel/Bounds.js"
import { type Percent, lineTax } from "./Tax.js"

export interface InvoiceLineInput {
  /** Before discount, in the price's own convention (tax included when `includingTax`). */
  readonly amount: number
  /** The voucher's share of this line (see Discounts.allocate); 0 ≤ discount ≤ max(amount, 0). */
  readonly discount?: number
  readonly taxRate: Percent
  readonly includingTax: boolean
}

export interface LineTotals {
  readonly subTotal: number
  readonly discount: number
  readonly taxTotal: number
  readonly total: number
}

export interface InvoiceTotals {
  readonly lines: ReadonlyArray<LineTotals>
  readonly subTotal: number
  readonly discountTotal: number
  readonly taxTotal: number
  /** Σ line totals, exactly. */
  readonly total: number
}

const assertInteger = (name: string, value: number): void => {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be a safe integer of minor units, got ${value}`)
}

export const lineTotals = (line: InvoiceLineInput): LineTotals => {
  const discount = line.discount ?? 0
  assertInteger("amount", line.amount)
  assertInteger("discount", discount)
  if (discount < 0 || discount > Math.max(line.amount, 0)) {
    throw new RangeError(`a line's discount must be between 0 and its amount ${line.amount}, got ${discount}`)
  }
  const tax = lineTax({ amount: line.amount - discount, rate: line.taxRate, includingTax: line.includingTax })
  return {
    subTotal: line.includingTax ? line.amount - tax.taxTotal : line.amount,
    discount,
    taxTotal: tax.taxTotal,
    total: tax.total
  }
}

/** An exact sum (bigint), refused with AmountOutOfRange when it leaves the safe integer range. */
const sum = (name: string, values: ReadonlyArray<number>): number => {
  const total = values.reduce((a, b) => a + BigInt(b), 0n)
  if (total > BigInt(Number.MAX_SAFE_INTEGER) || total < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new AmountOutOfRange(`the invoice's ${name}`, total.toString(), Number.MAX_SAFE_INTEGER)
  }
  return Number(total)
}

export const invoiceTotals = (lines: ReadonlyArray<InvoiceLineInput>): InvoiceTotals => {
  const totals = lines.map(lineTotals)
  return {
    lines: totals,
    subTotal: sum("subTotal", totals.map((l) => l.subTotal)),
    discountTotal: sum("discountTotal", totals.map((l) => l.discount)),
    taxTotal: sum("taxTotal", totals.map((l) => l.taxTotal)),
    total: sum("total", totals.map((l) => l.total))
  }
}

export interface BalanceApplication {
  /** Taken from the customer's balance: 0 ≤ balanceApplied ≤ balanceAvailable. */
  readonly balanceApplied: number
  /** What remains to be paid: never negative. */
  readonly amountDue: number
  /** For a credit invoice (total < 0): how much to add to the customer's balance, ≥ 0. */
  readonly creditToBalance: number
}

/**
 * Applies the customer's credit balance (≥ 0) after tax: total = balanceApplied + amountDue −
 * creditToBalance. A negative total (a credit invoice) uses no balance, is due 0, and returns its
 * amount to the balance.
 */
export const applyBalance = (total: number, balanceAvailable: number): BalanceApplication => {
  assertInteger("total", total)
  assertInteger("balanceAvailable", balanceAvailable)
  if (balanceAvailable < 0) throw new RangeError(`a credit balance must not be negative, got ${balanceAvailable}`)
  if (total < 0) return { balanceApplied: 0, amountDue: 0, creditToBalance: -total }
  const balanceApplied = Math.min(total, balanceAvailable)
  return { balanceApplied, amountDue: total - balanceApplied, creditToBalance: 0 }
}

/**
 * Settles a customer's balance against an invoice total, after tax. A credit (> 0) is applied as
 * `applyBalance` does; a debt (< 0, e.g. a debit adjustment) is added to what is due, shown as a
 * negative `balanceApplied`, so total = balanceApplied + amountDue − creditToBalance still holds.
 */
export const settleBalance = (total: number, balance: number): BalanceApplication => {
  if (balance >= 0 || total < 0) return applyBalance(total, Math.max(balance, 0))
  assertInteger("balance", balance)
  const amountDue = total - balance
  if (!Number.isSafeInteger(amountDue)) throw new AmountOutOfRange("amount due", String(amountDue), Number.MAX_SAFE_INTEGER)
  return { balanceApplied: balance, amountDue, creditToBalance: 0 }
}
