/**
 * Project-independent billing settings of one Billkit instance. A `Context.Reference`, so the
 * defaults apply without any wiring and `billkit({ billing })` overrides them.
 */
import { BigDecimal, Context } from "effect"

export interface BillingSettings {
  /** Tax rate (percent) for customers without a rate of their own. */
  readonly defaultTaxRate: BigDecimal.BigDecimal
  /** Days after the first failed payment at which it is retried. */
  readonly dunningRetryDays: ReadonlyArray<number>
  /** What a subscription becomes when the last retry fails. */
  readonly afterFinalFailure: "unpaid" | "canceled"
  /** Days an `invoice` customer has to pay. */
  readonly netTermsDays: number
  /** Invoice numbers read `<prefix>-000001`. */
  readonly invoiceNumberPrefix: string
  /**
   * How long a call to the payment provider may take (ms). A call that takes longer leaves its
   * payment or refund `pending`; the billing loop resumes it later with the same idempotency key.
   */
  readonly providerTimeoutMs: number
  /** Who bills: printed on every invoice PDF and shown on the hosted pages. */
  readonly seller: SellerDetails | null
  /**
   * How many payment-provider calls the billing loop has in flight at once when it collects a
   * batch's committed payments (outside any transaction): a provider's 200–500 ms per charge
   * then does not serialise a run. 1 sends them one by one.
   */
  readonly collectConcurrency: number
}

/** The seller on invoices and pages (`billkit({ billing: { seller } })`). */
export interface SellerDetails {
  readonly name: string
  /** Address lines as printed, e.g. ["Hauptstr. 1", "10115 Berlin", "Germany"]. */
  readonly address?: ReadonlyArray<string>
  /** VAT or other tax id, printed as given. */
  readonly taxId?: string
  readonly email?: string
  /** A PNG or JPEG logo, printed at most 140 × 48 pt on the invoice. */
  readonly logo?: Uint8Array
}

export const defaultBillingSettings: BillingSettings = {
  defaultTaxRate: BigDecimal.fromBigInt(0n),
  dunningRetryDays: [1, 3, 5],
  afterFinalFailure: "unpaid",
  netTermsDays: 30,
  invoiceNumberPrefix: "INV",
  providerTimeoutMs: 30_000,
  seller: null,
  collectConcurrency: 16
}

export class BillingConfig extends Context.Reference<BillingConfig>()("@billkit/core/BillingConfig", {
  defaultValue: () => defaultBillingSettings
}) {}
