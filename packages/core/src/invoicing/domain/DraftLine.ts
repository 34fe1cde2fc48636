/** A billable line before discounts and tax: what subscriptions, usage and one-off invoices produce. */
import type { BigDecimal } from "effect"
import type { LineType, ProrationDetail } from "./Invoice.js"
import type { Period } from "../../kernel/Period.js"

export interface DraftLine {
  readonly type: LineType
  readonly description: string
  readonly subscription: string | null
  readonly price: string | null
  readonly quantity: BigDecimal.BigDecimal
  readonly unitAmount: BigDecimal.BigDecimal
  /** quantity × unit amount, rounded once; negative for credits. */
  readonly amount: number
  readonly taxRate: BigDecimal.BigDecimal
  readonly includingTax: boolean
  readonly period: Period | null
  readonly proration: ProrationDetail | null
}

