/**
 * Invoices: `draft → open → paid | void | uncollectible`. Lines carry their own tax rate and
 * rounding (one per line); totals are sums of lines, so they always add up.
 */
import { BigDecimal, Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { Metadata } from "../../kernel/Metadata.js"
import { maxDecimals, maxQuantity } from "../../kernel/Bounds.js"
import { InputAmount, MinorAmount, SignedMinorAmount } from "../../kernel/Money.js"
import { integerRange, PercentInput, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"
import { providerLinkFields } from "../../kernel/ProviderLink.js"

export const InvoiceStatus = Schema.Literal("draft", "open", "paid", "void", "uncollectible")
export type InvoiceStatus = typeof InvoiceStatus.Type

export const BillingReason = Schema.Literal(
  "subscription_create",
  "subscription_cycle",
  "subscription_update",
  "subscription_cancel",
  "manual"
)
export type BillingReason = typeof BillingReason.Type

export const LineType = Schema.Literal("subscription", "proration", "usage", "usage_adjustment", "one_off")
export type LineType = typeof LineType.Type

export const ServicePeriod = Schema.Struct({ start: Timestamp, end: Timestamp }).annotations({ identifier: "ServicePeriod" })
export type ServicePeriod = typeof ServicePeriod.Type

/** How a prorated line was computed: which share of which period. */
export const ProrationDetail = Schema.Struct({
  secondsLeft: wire("seconds_left", Schema.Int),
  secondsInPeriod: wire("seconds_in_period", Schema.Int),
  basis: SignedMinorAmount.annotations({ description: "The amount prorated: the new price, or what was paid for the old one." })
}).annotations({ identifier: "ProrationDetail" })
export type ProrationDetail = typeof ProrationDetail.Type

export const InvoiceLine = Schema.Struct({
  type: LineType,
  description: Schema.String,
  subscription: Schema.NullOr(Schema.String),
  price: Schema.NullOr(Schema.String),
  quantity: Schema.BigDecimal,
  unitAmount: wire("unit_amount", Schema.BigDecimal),
  /** quantity × unit_amount, rounded once: before discount, in the price's own tax convention. */
  amount: SignedMinorAmount,
  discount: MinorAmount,
  subTotal: wire("sub_total", SignedMinorAmount),
  taxRate: wire("tax_rate", Schema.BigDecimal),
  taxTotal: wire("tax_total", SignedMinorAmount),
  total: SignedMinorAmount,
  includingTax: wire("including_tax", Schema.Boolean),
  period: Schema.NullOr(ServicePeriod),
  proration: Schema.NullOr(ProrationDetail)
}).annotations({ identifier: "InvoiceLine" })
export type InvoiceLine = typeof InvoiceLine.Type

export const AppliedDiscount = Schema.Struct({
  voucher: Schema.String,
  code: Schema.String,
  amount: MinorAmount
}).annotations({ identifier: "AppliedDiscount" })
export type AppliedDiscount = typeof AppliedDiscount.Type

export const CollectionMethod = Schema.Literal("charge_automatically", "send_invoice")

export const Invoice = Schema.Struct({
  id: Id("invoice"),
  object: Schema.Literal("invoice"),
  number: Schema.NullOr(Schema.String),
  customer: Schema.String,
  subscription: Schema.NullOr(Schema.String),
  status: InvoiceStatus,
  billingReason: wire("billing_reason", BillingReason),
  collectionMethod: wire("collection_method", CollectionMethod),
  currency: Currency,
  lines: Schema.Array(InvoiceLine),
  discounts: Schema.Array(AppliedDiscount),
  subTotal: wire("sub_total", SignedMinorAmount),
  discountTotal: wire("discount_total", MinorAmount),
  taxTotal: wire("tax_total", SignedMinorAmount),
  total: SignedMinorAmount,
  balanceApplied: wire("balance_applied", SignedMinorAmount.annotations({
    description: "Taken from the customer's balance: positive for a credit used, negative for a debt collected with this invoice."
  })),
  amountDue: wire("amount_due", MinorAmount),
  amountPaid: wire("amount_paid", MinorAmount),
  amountCredited: wire("amount_credited", MinorAmount),
  amountRemaining: wire("amount_remaining", MinorAmount),
  periodStart: wire("period_start", Schema.NullOr(Timestamp)),
  periodEnd: wire("period_end", Schema.NullOr(Timestamp)),
  dueDate: wire("due_date", Schema.NullOr(Timestamp)),
  attemptCount: wire("attempt_count", Schema.Int),
  nextPaymentAttempt: wire("next_payment_attempt", Schema.NullOr(Timestamp)),
  metadata: Metadata,
  ...providerLinkFields,
  createdAt: wire("created_at", Timestamp),
  finalizedAt: wire("finalized_at", Schema.NullOr(Timestamp)),
  paidAt: wire("paid_at", Schema.NullOr(Timestamp)),
  voidedAt: wire("voided_at", Schema.NullOr(Timestamp)),
  markedUncollectibleAt: wire("marked_uncollectible_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "Invoice" })
export type Invoice = typeof Invoice.Type

/** Charges and credits waiting for the customer's next invoice (`create_prorations`). */
export const InvoiceItem = Schema.Struct({
  id: Id("invoiceItem"),
  object: Schema.Literal("invoice_item"),
  customer: Schema.String,
  subscription: Schema.NullOr(Schema.String),
  currency: Currency,
  type: LineType,
  description: Schema.String,
  price: Schema.NullOr(Schema.String),
  quantity: Schema.BigDecimal,
  unitAmount: wire("unit_amount", Schema.BigDecimal),
  amount: SignedMinorAmount,
  taxRate: wire("tax_rate", Schema.BigDecimal),
  includingTax: wire("including_tax", Schema.Boolean),
  period: Schema.NullOr(ServicePeriod),
  proration: Schema.NullOr(ProrationDetail),
  status: Schema.Literal("pending", "invoiced"),
  invoice: Schema.NullOr(Schema.String),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "InvoiceItem" })
export type InvoiceItem = typeof InvoiceItem.Type

/** A one-off line's quantity: 0 to maxQuantity with at most maxDecimals decimals (Bounds.ts). */
const Quantity = Schema.Union(Schema.BigDecimal, Schema.BigDecimalFromNumber).pipe(
  Schema.filter((q) => {
    const { scale } = BigDecimal.normalize(q)
    if (scale > maxDecimals) return `must have at most ${maxDecimals} decimals`
    if (BigDecimal.isNegative(q)) return "must not be negative"
    return BigDecimal.lessThanOrEqualTo(q, BigDecimal.fromBigInt(BigInt(maxQuantity))) || `must be at most ${maxQuantity}`
  })
).annotations({ description: `A decimal string or number from 0 to ${maxQuantity}, at most ${maxDecimals} decimals.` })

export const OneOffLine = Schema.Struct({
  description: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(500)),
  price: Schema.optional(Schema.String),
  quantity: Schema.optional(Quantity),
  unitAmount: optionalWire("unit_amount", InputAmount),
  taxRate: optionalWire("tax_rate", PercentInput),
  includingTax: optionalWire("including_tax", Schema.Boolean)
}).annotations({ identifier: "OneOffLine", ...strict })

export const InvoiceCreate = Schema.Struct({
  customer: Schema.String,
  currency: Schema.optional(Currency),
  lines: Schema.Array(OneOffLine).pipe(Schema.minItems(1), Schema.maxItems(250)),
  metadata: Schema.optional(Metadata)
}).annotations({ identifier: "InvoiceCreate", ...strict })
export type InvoiceCreate = typeof InvoiceCreate.Type

/** One invoice line a credit note credits: net amount and its tax (credit note total = Σ amount + tax). */
export const CreditNoteLine = Schema.Struct({
  line: Schema.Int.annotations({ description: "The credited line's position in the invoice's `lines`, from 0." }),
  quantity: Schema.NullOr(Schema.BigDecimal).annotations({ description: "The quantity credited, when credited by quantity." }),
  amount: MinorAmount.annotations({ description: "Credited, net of tax." }),
  tax: MinorAmount.annotations({ description: "The tax credited with it." })
}).annotations({ identifier: "CreditNoteLine" })
export type CreditNoteLine = typeof CreditNoteLine.Type

export const CreditNote = Schema.Struct({
  id: Id("creditNote"),
  object: Schema.Literal("credit_note"),
  invoice: Schema.String,
  customer: Schema.String,
  currency: Currency,
  /** Tax included: Σ lines' amount + tax when credited by line. */
  amount: MinorAmount,
  /** The lines credited (empty for a credit note of a plain amount; notes stored before lines existed read as empty). */
  lines: Schema.optionalWith(Schema.Array(CreditNoteLine), { default: () => [] }),
  reason: Schema.NullOr(Schema.String),
  /** Where the credit went: off the invoice's amount due, or to the customer's balance once paid. */
  creditedTo: wire("credited_to", Schema.Literal("invoice", "balance")),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "CreditNote" })
export type CreditNote = typeof CreditNote.Type

const PositiveQuantity = Quantity.pipe(
  Schema.filter((q) => BigDecimal.isPositive(q), { message: () => "must be a positive decimal" })
)

export const CreditNoteLineCreate = Schema.Struct({
  line: Schema.Int.pipe(Schema.nonNegative({ message: () => "must be a line's position in the invoice's lines, from 0" })).annotations(integerRange(0)),
  amount: Schema.optional(
    MinorAmount.pipe(Schema.positive({ message: () => "must be a positive integer of minor units" }))
      .annotations({ description: "Net of tax; its tax at the line's rate is credited with it." })
  ),
  quantity: Schema.optional(PositiveQuantity.annotations({ description: "Credits quantity × unit_amount and that share of the line's tax." }))
}).annotations({ identifier: "CreditNoteLineCreate", description: "Give `amount` or `quantity`.", ...strict })

export const CreditNoteCreate = Schema.Struct({
  amount: Schema.optional(
    InputAmount.pipe(Schema.positive({ message: () => "must be a positive integer of minor units" }))
      .annotations({ description: "Tax included. Give `amount` or `lines`, not both." })
  ),
  lines: Schema.optional(
    Schema.Array(CreditNoteLineCreate).pipe(Schema.minItems(1), Schema.maxItems(250))
      .annotations({ description: "Lines to credit, each by `amount` (net of tax) or `quantity`, tax credited per line. Give `amount` or `lines`, not both." })
  ),
  reason: Schema.optional(Schema.String.pipe(Schema.maxLength(500)))
}).annotations({ identifier: "CreditNoteCreate", ...strict })
export type CreditNoteCreate = typeof CreditNoteCreate.Type
