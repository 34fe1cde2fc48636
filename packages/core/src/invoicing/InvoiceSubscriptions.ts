/**
 * What invoicing tells the subscription an invoice bills, as a port: subscriptions own their
 * status and implement it (subscriptions/InvoiceLinks.ts); invoicing, lower in the features'
 * order, never imports them. Runs in the caller's transaction.
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { CurrentTenant } from "../kernel/Tenancy.js"
import type { Invoice } from "./domain/Invoice.js"

export interface InvoiceSubscriptionsService {
  /** The invoice got paid: its subscription, if it is the latest invoice, is back in good standing. */
  readonly paid: (invoice: Invoice) => Effect.Effect<void, never, CurrentTenant>
  /**
   * An automatic payment of the invoice failed; `final` when dunning has no retry left. Answers
   * true when the subscription never started, so the invoice is to be voided.
   */
  readonly paymentFailed: (invoice: Invoice, final: boolean) => Effect.Effect<boolean, never, CurrentTenant>
  /** Part of the invoice was credited or refunded: what it prepaid for the subscription shrinks. */
  readonly credited: (invoice: Invoice, amount: number) => Effect.Effect<void, never, CurrentTenant>
}

export class InvoiceSubscriptions extends Context.Tag("@billkit/core/InvoiceSubscriptions")<
  InvoiceSubscriptions,
  InvoiceSubscriptionsService
>() {}
