/**
 * Customer credit balances, one row per customer and currency, and the ledger of transactions
 * that moved them. Each change locks the balance row, so concurrent changes add up exactly.
 * The invoice engine reads `available` and writes `record` inside its own transaction.
 */
import { Effect, Option } from "effect"
import type { BalanceAdjustment, BalanceTransactionType, CustomerBalance } from "./domain/Balance.js"
import { Balance, BalanceTransaction } from "./domain/Balance.js"
import { Invalid } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Customers } from "../customers/index.js"
import type { Page, PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { memoForStep, rememberForStep } from "../kernel/RunMemo.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { BalanceRecords, BalanceTransactionRecords, balanceKey } from "./domain/Records.js"

/** A signed change to a customer's balance in one currency (positive credits the customer). */
export interface BalanceEntry {
  readonly customer: string
  readonly currency: string
  /** Minor units, signed. */
  readonly amount: number
  readonly type: BalanceTransactionType
  readonly invoice?: string | null
  readonly description?: string | null
}

export interface BalancePageResult {
  readonly balances: ReadonlyArray<Balance>
  readonly total: number
}


export class Balances extends Effect.Service<Balances>()("@billkit/core/Balances", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const customers = yield* Customers
    const repo = yield* makeRepository(BalanceRecords)
    const ledger = yield* makeRepository(BalanceTransactionRecords)

    /**
     * The customer's balance row in `currency`, locked until the transaction ends, if it exists.
     * Inside a billing-loop step it is read once (a draft, then its finalization) and kept as
     * last written by `record`.
     */
    const locked = (customer: string, currency: string) => memoForStep(`balance:${balanceKey(customer, currency)}`, lockedNow(customer, currency))
    const lockedNow = (customer: string, currency: string) =>
      Effect.flatMap(repo.findBy("key", balanceKey(customer, currency)), Option.match({
        onNone: () => Effect.succeedNone,
        onSome: (b) => repo.find(b.id, true)
      }))

    /** The row, created at 0 when missing; a concurrent creator wins and its row is used. */
    const lockedOrCreated = (customer: string, currency: string) =>
      Effect.gen(function*() {
        const existing = yield* locked(customer, currency)
        if (Option.isSome(existing)) return existing.value
        const now = yield* nowIso
        const fresh: Balance = {
          id: yield* ids.next("balance"),
          object: "balance",
          customer,
          currency,
          amount: 0,
          createdAt: now,
          updatedAt: now
        }
        const inserted = yield* repo.insert(fresh).pipe(
          Effect.as(true),
          Effect.catchTag("UniqueViolation", () => Effect.succeed(false))
        )
        if (inserted) return fresh
        const theirs = yield* lockedNow(customer, currency)
        return yield* Option.match(theirs, {
          onNone: () => Effect.dieMessage(`Balances: the ${currency} balance of ${customer} clashed on create and vanished`),
          onSome: Effect.succeed
        })
      })

    /**
     * The credit a customer holds in `currency` (minor units; 0 when none, negative when it
     * owes). Inside a transaction the balance row stays locked until it ends, so a `record`
     * that follows in the same transaction cannot overdraw it.
     */
    const available = traced("Balances.available")(function*(customerId: string, currency: string) {
      const row = yield* locked(customerId, currency.toUpperCase())
      return Option.match(row, { onNone: () => 0, onSome: (b) => b.amount })
    })

    /**
     * Moves a customer's balance by `amount` (signed) and writes the ledger entry, joining the
     * caller's transaction. Only an `adjustment` may take the balance below zero: a debit of
     * another type beyond what `available` reported is a defect in the caller.
     */
    const record = traced("Balances.record")(function*(entry: BalanceEntry) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const currency = entry.currency.toUpperCase()
          const row = yield* lockedOrCreated(entry.customer, currency)
          const balanceAfter = row.amount + entry.amount
          if (!Number.isSafeInteger(entry.amount) || !Number.isSafeInteger(balanceAfter)) {
            return yield* Effect.dieMessage(`Balances.record: ${entry.amount} is not a safe integer change of ${row.amount}`)
          }
          if (entry.amount < 0 && balanceAfter < 0 && entry.type !== "adjustment") {
            return yield* Effect.dieMessage(
              `Balances.record: a ${entry.type} of ${entry.amount} would overdraw the ${currency} balance of ${entry.customer} (${row.amount})`
            )
          }
          const now = yield* nowIso
          const updated = yield* repo.update({ ...row, amount: balanceAfter, updatedAt: now }).pipe(Effect.orDie)
          yield* rememberForStep(`balance:${balanceKey(entry.customer, currency)}`, Option.some(updated))
          const transaction: BalanceTransaction = {
            id: yield* ids.next("balanceTransaction"),
            object: "balance_transaction",
            customer: entry.customer,
            currency,
            amount: entry.amount,
            balanceAfter,
            type: entry.type,
            invoice: entry.invoice ?? null,
            description: entry.description ?? null,
            createdAt: now
          }
          return yield* ledger.insert(transaction).pipe(Effect.orDie)
        })
      )
    })

    /** A credit or debit by hand (`POST …/balance/adjustments`); the balance may go negative. */
    const adjust = traced("Balances.adjust")(function*(customerId: string, input: BalanceAdjustment) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* customers.get(customerId)
          const current = yield* available(customerId, input.currency)
          if (!Number.isSafeInteger(current + input.amount)) {
            return yield* new Invalid({ field: "amount", message: "would take the balance beyond the safe integer range" })
          }
          return yield* record({
            customer: customerId,
            currency: input.currency,
            amount: input.amount,
            type: "adjustment",
            description: input.description ?? null
          })
        })
      )
    })

    /** Every balance of one customer, by currency. */
    const forCustomer = traced("Balances.forCustomer")(function*(customerId: string) {
      yield* customers.get(customerId)
      const rows: Array<Balance> = []
      let page: Page<Balance> | undefined
      do {
        const after: string | undefined = page?.nextCursor ?? undefined
        page = yield* repo.list({ limit: 100, ...(after === undefined ? {} : { startingAfter: after }) }, { where: { customer: customerId } })
        rows.push(...page.data)
      } while (page.hasMore)
      const result: CustomerBalance = {
        object: "customer_balance",
        customer: customerId,
        balances: rows
          .map((b) => ({ currency: b.currency, amount: b.amount }))
          .sort((a, b) => (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0))
      }
      return result
    })

    const listTransactions = traced("Balances.listTransactions")(function*(
      customerId: string,
      page: PageRequest,
      filters: { readonly currency?: string } = {}
    ) {
      yield* customers.get(customerId)
      const where: Record<string, string> = { customer: customerId }
      if (filters.currency !== undefined) where.currency = filters.currency.toUpperCase()
      return yield* ledger.list(page, { where })
    })

    /**
     * One page (from 1) of the project's balances, oldest first, with the total count. The
     * storage port pages by cursor, so earlier pages are walked over in chunks to reach it.
     */
    const listPage = traced("Balances.listPage")(function*(
      pageNum: number,
      pageSize: number,
      filters: { readonly customer?: string } = {}
    ) {
      const where: Record<string, string> = filters.customer === undefined ? {} : { customer: filters.customer }
      const offset = (pageNum - 1) * pageSize
      let cursor: string | undefined
      let skipped = 0
      let exhausted = false
      while (skipped < offset && !exhausted) {
        const chunk = yield* repo.list({ limit: Math.min(500, offset - skipped), ...(cursor === undefined ? {} : { startingAfter: cursor }) }, { where })
        skipped += chunk.data.length
        cursor = chunk.data[chunk.data.length - 1]?.id ?? cursor
        exhausted = !chunk.hasMore
      }
      const reached = skipped === offset
      const page = yield* repo.list({
        limit: reached ? pageSize : 1,
        includeTotal: true,
        ...(cursor === undefined ? {} : { startingAfter: cursor })
      }, { where })
      const result: BalancePageResult = { balances: reached ? page.data : [], total: page.total ?? 0 }
      return result
    })

    return { available, record, adjust, forCustomer, listTransactions, listPage } as const
  }),
  dependencies: [Customers.Default]
}) {}
