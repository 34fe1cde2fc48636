/**
 * Crediting invoice lines (a credit note with `lines`). Pure: no Effect requirements.
 *
 * A line is named by its position in the invoice's `lines` (from 0). Each credit is net of tax,
 * with its tax beside it:
 * - by quantity: amount = quantity × unit_amount, rounded once (half away from zero); tax = that
 *   share of the line's tax, round(line tax × quantity / line quantity). For a price that
 *   includes tax, quantity × unit_amount is the gross: the amount is that minus its tax share.
 * - by amount: tax = the amount's tax at the line's rate, rounded once, half away from zero.
 * Never more than the line's uncredited rest: its net (total − tax, i.e. after any discount)
 * and its tax, less what earlier credit notes took. A credit of the whole net rest takes the
 * whole tax rest, so a line credited in pieces sums to exactly its total.
 */
import { BigDecimal } from "effect"
import { lineAmount } from "../../kernel/Money.js"
import { roundRatio } from "../../kernel/Proration.js"
import { lineTax } from "./Tax.js"

export interface CreditableLine {
  readonly quantity: BigDecimal.BigDecimal
  readonly unitAmount: BigDecimal.BigDecimal
  readonly taxRate: BigDecimal.BigDecimal
  readonly taxTotal: number
  readonly total: number
  readonly includingTax: boolean
}

export interface LineCreditRequest {
  readonly line: number
  readonly amount?: number | undefined
  readonly quantity?: BigDecimal.BigDecimal | undefined
}

export interface LineCredit {
  readonly line: number
  readonly quantity: BigDecimal.BigDecimal | null
  readonly amount: number
  readonly tax: number
}

export type LineCreditResult =
  | { readonly _tag: "Credited"; readonly lines: ReadonlyArray<LineCredit>; readonly total: number }
  /** A request that cannot be read (no such line; both or neither of amount and quantity): 422. */
  | { readonly _tag: "Invalid"; readonly field: string; readonly message: string }
  /** More than the line's uncredited rest: 409. */
  | { readonly _tag: "TooMuch"; readonly field: string; readonly message: string }

/** Scales a bigint-backed decimal into numerator / denominator. */
const ratioOf = (d: BigDecimal.BigDecimal): { readonly n: bigint; readonly d: bigint } =>
  d.scale >= 0 ? { n: d.value, d: 10n ** BigInt(d.scale) } : { n: d.value * 10n ** BigInt(-d.scale), d: 1n }

/**
 * The credits `requests` ask of `lines`, given what earlier notes credited (`previous`), or why
 * they cannot be made. Requests for the same line add up.
 */
export const creditLines = (
  lines: ReadonlyArray<CreditableLine>,
  previous: ReadonlyArray<{ readonly line: number; readonly amount: number; readonly tax: number }>,
  requests: ReadonlyArray<LineCreditRequest>
): LineCreditResult => {
  const netRest = lines.map((l) => l.total - l.taxTotal)
  const taxRest = lines.map((l) => l.taxTotal)
  for (const p of previous) {
    if (p.line < 0 || p.line >= lines.length) continue
    netRest[p.line] -= p.amount
    taxRest[p.line] -= p.tax
  }
  const credited: Array<LineCredit> = []
  for (const [i, request] of requests.entries()) {
    const line = lines[request.line]
    if (line === undefined) {
      return { _tag: "Invalid", field: `lines[${i}].line`, message: `the invoice has no line ${request.line} (it has ${lines.length}, numbered from 0)` }
    }
    if ((request.amount === undefined) === (request.quantity === undefined)) {
      return { _tag: "Invalid", field: `lines[${i}].amount`, message: "give either amount or quantity" }
    }
    let amount: number
    let tax: number
    if (request.quantity !== undefined) {
      const gross = lineAmount(request.quantity, line.unitAmount)
      const share = ratioOf(request.quantity)
      const whole = ratioOf(line.quantity)
      if (whole.n === 0n) return { _tag: "TooMuch", field: `lines[${i}].quantity`, message: "the line has no quantity to credit" }
      // tax × (q / Q) = tax × (qn / qd) / (Qn / Qd) = tax × qn × Qd / (qd × Qn)
      tax = roundRatio(line.taxTotal, share.n * whole.d, share.d * whole.n)
      amount = line.includingTax ? gross - tax : gross
    } else {
      amount = request.amount!
      tax = lineTax({ amount, rate: line.taxRate, includingTax: false }).taxTotal
    }
    const field = request.quantity !== undefined ? `lines[${i}].quantity` : `lines[${i}].amount`
    const rest = netRest[request.line]
    if (amount > rest) {
      return { _tag: "TooMuch", field, message: `only ${Math.max(rest, 0)} (net of tax) of line ${request.line} is left to credit; this asks ${amount}` }
    }
    tax = amount === rest ? taxRest[request.line] : Math.min(tax, taxRest[request.line])
    netRest[request.line] -= amount
    taxRest[request.line] -= tax
    credited.push({ line: request.line, quantity: request.quantity ?? null, amount, tax })
  }
  return { _tag: "Credited", lines: credited, total: credited.reduce((sum, c) => sum + c.amount + c.tax, 0) }
}
