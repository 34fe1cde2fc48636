/**
 * Importing a provider account into Billkit's own records: each page a sync stores is also
 * turned into customers, products (each with one plan), prices, subscriptions, invoices,
 * payments (from charges) and refunds, in the same transaction as the page and its cursor, so
 * a killed run resumes exactly where the records stop. Each record carries its `connection` and
 * `provider_ids`; its `provider_key` (`<connection>:<provider id>`, unique) is how a re-run finds
 * it and updates it instead of adding another. Balance transactions are the account's own
 * ledger (fees, payouts), not a customer's balance: they stay provider objects.
 *
 * Subscriptions come in as mirrors (`managed_by: "stripe"`): Stripe bills them, Billkit shows
 * them; a subscription of the connection that Billkit bills (`managed_by: "billkit"`) is left alone.
 * Charges and refunds Billkit made itself (their metadata names a Billkit payment or refund, or
 * a Billkit record already holds their provider reference) are not imported twice.
 *
 * This module runs a page; the shared cache and staged writes are ImportContext.ts's, and each
 * kind of object is mapped by a module of its own (ImportCustomers.ts, ImportCatalog.ts,
 * ImportSubscriptions.ts, ImportInvoices.ts, ImportPayments.ts).
 */
import { Effect } from "effect"
import { isoAt } from "../kernel/Time.js"
import type { ProviderObject, SyncedType } from "./ProviderAccounts.js"
import { dataOf, type KindImport, makeImportContext } from "./ImportContext.js"
import { catalogImports } from "./ImportCatalog.js"
import { customerImports } from "./ImportCustomers.js"
import { invoiceImports } from "./ImportInvoices.js"
import { paymentImports } from "./ImportPayments.js"
import { subscriptionImports } from "./ImportSubscriptions.js"

/** What one page's import did: records made, records updated, objects left out (with why). */
export interface ImportOutcome {
  readonly created: number
  readonly updated: number
  readonly skipped: ReadonlyArray<string>
}

/** The importer of one run (see `makeImportContext`): `importPage` per page, `forget` to drop the run's cache. */
export const makeImporter = Effect.gen(function*() {
  const context = yield* makeImportContext
  const kinds: Record<SyncedType, KindImport> = {
    ...customerImports(context),
    ...catalogImports(context),
    ...subscriptionImports(context),
    ...invoiceImports(context),
    ...paymentImports(context),
    // Balance transactions are the account's own ledger (fees, payouts): they stay provider objects.
    balance_transactions: { prefetch: () => Effect.void, importOne: () => Effect.succeed("skipped" as const) }
  }

  /**
   * Imports one stored page into records (inside the page's transaction): one prefetch, the
   * objects mapped in order, then the page's writes set-wise.
   */
  const importPage = (connection: string, type: SyncedType, page: ReadonlyArray<ProviderObject>, now: string, firstSeen: ReadonlySet<string>) =>
    Effect.gen(function*() {
      const writes = context.startPage(firstSeen)
      const kind = kinds[type]
      yield* kind.prefetch(connection, page, page.map((o) => o.id))
      let created = 0
      let updated = 0
      const skipped: Array<string> = []
      for (const o of page) {
        const result = yield* kind.importOne({ connection, o, d: dataOf(o), created: isoAt(o.created * 1000), now })
        if (result === "created") created++
        else if (result === "updated") updated++
        else if (result !== "skipped") skipped.push(result)
      }
      yield* writes.flush
      return { created, updated, skipped } satisfies ImportOutcome
    })

  return { importPage, forget: context.forget } as const
})
