/**
 * Customer balances: credit a customer holds per currency (positive), applied to its next
 * invoices after tax, before charging. Every change is a balance transaction with the balance
 * after it, so the ledger explains each balance.
 */
import { Schema } from "effect"
import { Currency } from "./Currency.js"
import { Id } from "./Ids.js"
import { SignedMinorAmount } from "./Money.js"
import { Timestamp, strict, wire } from "./Wire.js"

export const Balance = Schema.Struct({
  id: Id("balance"),
  object: Schema.Literal("balance"),
  customer: Schema.String,
  currency: Currency,
  amount: SignedMinorAmount.annotations({ description: "Minor units; positive is credit the customer holds." }),
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "Balance" })
export type Balance = typeof Balance.Type

export const CustomerBalance = Schema.Struct({
  object: Schema.Literal("customer_balance"),
  customer: Schema.String,
  balances: Schema.Array(
    Schema.Struct({ currency: Currency, amount: SignedMinorAmount }).annotations({ identifier: "CurrencyBalance" })
  )
}).annotations({ identifier: "CustomerBalance" })
export type CustomerBalance = typeof CustomerBalance.Type

export const BalanceTransactionType = Schema.Literal("adjustment", "applied_to_invoice", "credit_note", "refund", "invoice_credit").annotations({
  description: "`adjustment`: by hand; `applied_to_invoice`: credit spent on an invoice; `credit_note`, `refund`: credited back; " +
    "`invoice_credit`: an invoice's negative total kept as credit."
})
export type BalanceTransactionType = typeof BalanceTransactionType.Type

export const BalanceTransaction = Schema.Struct({
  id: Id("balanceTransaction"),
  object: Schema.Literal("balance_transaction"),
  customer: Schema.String,
  currency: Currency,
  amount: SignedMinorAmount.annotations({ description: "Minor units; positive credits the customer, negative debits." }),
  balanceAfter: wire("balance_after", SignedMinorAmount),
  type: BalanceTransactionType,
  invoice: Schema.NullOr(Schema.String),
  description: Schema.NullOr(Schema.String),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "BalanceTransaction" })
export type BalanceTransaction = typeof BalanceTransaction.Type

export const BalanceAdjustment = Schema.Struct({
  amount: SignedMinorAmount.pipe(Schema.filter((n) => n !== 0 || "must not be zero")).annotations({
    description: "Minor units: positive credits the customer, negative debits (the balance may go negative)."
  }),
  currency: Currency,
  description: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(500))))
}).annotations({ identifier: "BalanceAdjustment", ...strict })
export type BalanceAdjustment = typeof BalanceAdjustment.Type

/** Page-number pagination of the balances reference document (`GET /v1/balances`). */
export const PageMeta = Schema.Struct({
  total: Schema.Int,
  perPage: wire("per_page", Schema.Int),
  currentPage: wire("current_page", Schema.Int),
  lastPage: wire("last_page", Schema.Int),
  firstPage: wire("first_page", Schema.Int),
  firstPageUrl: wire("first_page_url", Schema.String),
  lastPageUrl: wire("last_page_url", Schema.String),
  nextPageUrl: wire("next_page_url", Schema.NullOr(Schema.String)),
  previousPageUrl: wire("previous_page_url", Schema.NullOr(Schema.String))
}).annotations({ identifier: "PageMeta" })
export type PageMeta = typeof PageMeta.Type

export const BalancePage = Schema.Struct({
  object: Schema.Literal("list"),
  balances: Schema.Array(Balance),
  meta: PageMeta
}).annotations({ identifier: "BalancePage" })
export type BalancePage = typeof BalancePage.Type
