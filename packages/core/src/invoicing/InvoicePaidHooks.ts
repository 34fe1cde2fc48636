/**
 * What other features do when an invoice becomes paid, as a port (like InvoiceSubscriptions):
 * referrals reward a referrer on the referred customer's first paid invoice. Runs in the
 * transaction that marks the invoice paid, so the reaction commits or rolls back with it.
 * Wired at the composition root (Layers.ts).
 */
import { Context } from "effect"
import type { Effect } from "effect"
import type { CurrentTenant } from "../kernel/Tenancy.js"
import type { Invoice } from "./domain/Invoice.js"

export interface InvoicePaidHooksService {
  readonly paid: (invoice: Invoice) => Effect.Effect<void, never, CurrentTenant>
}

export class InvoicePaidHooks extends Context.Tag("@billkit/core/InvoicePaidHooks")<InvoicePaidHooks, InvoicePaidHooksService>() {}
