/**
 * What payments need to know of the invoice a payment is for, as a port: invoicing and
 * subscriptions sit above payments in the features' order and implement it
 * (subscriptions/InvoiceLinks.ts); payments never imports them. Runs in the caller's transaction.
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { CurrentTenant } from "../kernel/Tenancy.js"

export interface PaymentInvoicesService {
  /** The charge's description, e.g. `Invoice INV-000001`. */
  readonly describe: (invoiceId: string) => Effect.Effect<string, never, CurrentTenant>
  /** `amount` of a payment of the invoice is being refunded: what it prepaid shrinks. */
  readonly refunding: (invoiceId: string, amount: number) => Effect.Effect<void, never, CurrentTenant>
}

export class PaymentInvoices extends Context.Tag("@billkit/core/PaymentInvoices")<PaymentInvoices, PaymentInvoicesService>() {}
