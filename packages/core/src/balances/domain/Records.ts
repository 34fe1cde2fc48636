/** How balances and their ledger are stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { Balance, BalanceTransaction } from "./Balance.js"

/** A balance row's unique key: one per customer and currency. */
export const balanceKey = (customer: string, currency: string) => `${customer}:${currency}`

export const BalanceRecords = Collections.records({
  collection: Collections.Balances,
  schema: Balance,
  resource: "balance",
  index: (b) => ({ customer: b.customer, key: balanceKey(b.customer, b.currency) })
})

export const BalanceTransactionRecords = Collections.records({
  collection: Collections.BalanceTransactions,
  schema: BalanceTransaction,
  resource: "balance transaction",
  index: (t) => ({ customer: t.customer, currency: t.currency })
})
