/**
 * What one batch of the billing loop reads, planned from the due rows: one query per table for
 * the whole batch (kernel/StorageBatch answers the steps' reads from them). A read this plan
 * misses still works, one query at a time: the plan only decides how many round trips there are.
 */
import { balanceKey } from "../balances/index.js"
import * as Collections from "../kernel/Collections.js"
import type { Json } from "../kernel/Storage.js"
import type { Prefetch } from "../kernel/StorageBatch.js"
import { pendingKey, rollupId } from "../usage/index.js"

const text = (value: unknown): Array<string> => (typeof value === "string" ? [value] : [])

/** `rows`: the due subscriptions and invoices of the batch (encoded); `invoiceIds`: the invoices among them. */
export const prefetchFor = (rows: ReadonlyArray<Json>, invoiceIds: ReadonlyArray<string>): ReadonlyArray<Prefetch> => {
  const subscriptions = rows.filter((r) => r.object === "subscription")
  const invoices = new Set(invoiceIds)
  const customers = [...new Set(rows.flatMap((r) => text(r.customer)))]
  return [
    // The due rows themselves: the due query read them in this transaction, locked (Postgres
    // `FOR UPDATE SKIP LOCKED`), so each step's locked read of its row needs no second query.
    { spec: Collections.Subscriptions, field: "id", values: subscriptions.map((s) => s.id as string), forUpdate: true, rows: subscriptions },
    { spec: Collections.Invoices, field: "id", values: invoiceIds, forUpdate: true, rows: rows.filter((r) => invoices.has(r.id as string)) },
    { spec: Collections.Customers, field: "id", values: customers },
    { spec: Collections.PaymentMethods, field: "customer", values: customers },
    { spec: Collections.InvoiceItems, field: "customer", values: customers },
    { spec: Collections.Redemptions, field: "customer", values: customers },
    { spec: Collections.Balances, field: "key", values: subscriptions.flatMap((s) => text(s.currency).map((c) => balanceKey(s.customer as string, c))), forUpdate: true },
    { spec: Collections.UsageRollups, field: "id", values: customers.map((c) => rollupId(pendingKey(c))) },
    // What the MRR ledger reads per renewal (analytics/MrrLedger): the subscription's state and
    // its customer's row.
    { spec: Collections.MrrStates, field: "id", values: subscriptions.map((s) => s.id as string) },
    { spec: Collections.MrrCustomers, field: "customer", values: customers }
  ]
}
