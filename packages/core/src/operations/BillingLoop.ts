/**
 * The billing loop: does all work due up to an instant — trial notices and ends, renewals,
 * scheduled changes and cancellations, dunning retries — for one tenant or all of them.
 *
 * It is idempotent and safe to run from several processes at once: due rows are taken with
 * `FOR UPDATE SKIP LOCKED` on Postgres (transactions are serialized elsewhere), every step
 * re-reads its row locked, and each renewal claims a unique key per subscription and period in
 * the transaction that bills it. A crash loses nothing: what was not committed is still due.
 *
 * Money leaves once (house rule 8): a batch's transaction only commits payment attempts and
 * refunds as `pending`, each with an idempotency key derived from its record. Once the batch has
 * committed, they go to the provider, `collectConcurrency` at a time, outside any transaction, and their outcomes
 * are recorded (dunning included) in a transaction of their own. A batch that rolls back never
 * reached the provider. On Postgres, while batches' money is with the provider, the next batch
 * is billed (`overlapCollection`), leaving out the customers whose outcome is not recorded yet.
 * Attempts a crash, a timeout or a failing provider left pending are resumed at the start of
 * each run with their original key, so the provider answers with the first outcome instead of
 * charging again.
 */
import { Clock, Effect, Either, Fiber } from "effect"
import { Subscription } from "../subscriptions/domain/index.js"
import { dueAt } from "../subscriptions/domain/index.js"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { type Json, Storage, type Mode, type Tenant } from "../kernel/Storage.js"
import { inBatch } from "../kernel/StorageBatch.js"
import { decoder } from "../kernel/Encoder.js"
import { prefetchFor } from "./BatchPrefetch.js"
import * as Collections from "../kernel/Collections.js"
import { Events } from "../events/index.js"
import { Invoices } from "../invoicing/index.js"
import { type MoneyIntent, Payments } from "../payments/index.js"
import { SubscriptionCycle } from "../subscriptions/index.js"
import { withRunMemo, withStepMemo } from "../kernel/RunMemo.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { TestClocks } from "./TestClocks.js"
import { atInstant, isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"

// Memoized per row (kernel/Encoder): the step decoding the same row again gets this record back.
const decodeSubscription = decoder(Subscription)

export interface DueWork {
  readonly kind: "subscription" | "invoice"
  readonly id: string
  readonly at: number
  /** The row as the due query found it (what the batch's prefetch is planned from). */
  readonly row: Json
}

export interface LoopOptions {
  /**
   * Run each step at the instant it fell due (test clocks: a year of renewals in one advance,
   * each stamped with its own date). Otherwise steps run at the Clock's current time.
   */
  readonly atDueTime?: boolean
  /**
   * Rows taken per transaction. On SQLite a transaction holds the one connection, so every other
   * request waits for it: there, unless this is set, a batch is sized to take about
   * `sqliteBatchBudgetMs` (from `sqliteBatchSize` rows up to `sqliteMaxBatchSize`). Default 100
   * elsewhere.
   */
  readonly batchSize?: number
  /**
   * Hand the thread back to the event loop between batches, so requests that arrived meanwhile
   * (their sockets, their storage calls) run before the next batch. Default true; false only to
   * measure the difference (bench/billing-run/concurrent.mjs).
   */
  readonly yieldBetweenBatches?: boolean
  /**
   * Run each batch set-wise (default true): its rows prefetched with one query per table, its
   * writes sent together at the end (kernel/StorageBatch). False runs the same steps reading and
   * writing row by row: the reference the property test and the benchmark compare against.
   */
  readonly setWise?: boolean
  /**
   * Bill the next batch while the last one's charges are with the provider, so a provider's
   * 200–500 ms per charge and the loop's own work overlap. Several batches' money may be in
   * flight while their calls together stay within `collectConcurrency` (one batch with more goes
   * alone), and the next batch stops before the first customer whose outcome is still
   * unrecorded, as it stops before a customer's second step.
   * Default: on Postgres only. SQLite's batches are small (`sqliteBatchBudgetMs`), so it gains
   * only with `collectConcurrency` raised well above a batch (300 ms a charge, 160 calls: 400
   * renewals/s against 46 settled first); memory storage, the test double, behaves like SQLite.
   * False: each batch's money is settled before the next batch is taken, as it always is on a
   * test clock (`atDueTime`), which must bill in due order exactly.
   */
  readonly overlapCollection?: boolean
}

/** SQLite's batch: a few renewals, so that a write lock is held for milliseconds, not seconds. */
export const sqliteBatchSize = 8

/**
 * On SQLite, batches grow from `sqliteBatchSize` while a batch's transaction takes less than
 * this: per-batch costs (the due queries, begin and commit, the commit's pages) are then shared
 * by more renewals, and another request still waits at most about this long for the connection.
 */
export const sqliteBatchBudgetMs = 25
export const sqliteMaxBatchSize = 100

/**
 * The next SQLite batch size, from how long the last full batch's transaction took. Measured
 * with the host's monotonic timer (`performance.now()`), not Effect's Clock: under a test clock
 * or a fixed clock that Clock does not move, and the budget is about the real time the
 * connection is held. Changes at most twofold per batch, never below `sqliteBatchSize`.
 */
export const nextSqliteBatchSize = (size: number, elapsedMs: number): number => {
  const fitting = elapsedMs <= 0 ? 2 * size : Math.floor(size * sqliteBatchBudgetMs / elapsedMs)
  return Math.max(sqliteBatchSize, Math.floor(size / 2), Math.min(fitting, 2 * size, sqliteMaxBatchSize))
}

/**
 * Waits for the event loop's next turn, after it has polled for I/O: unlike `Effect.yieldNow`,
 * which may resume on a microtask, this lets pending I/O (an HTTP request's socket, a WebCrypto
 * digest) run first. `setImmediate` runs after that poll; a zero `setTimeout` did not always give
 * I/O its turn: with the last batch's collection running beside the next batch on SQLite, no I/O
 * ran for 45 to 65 batches in a row (docs/performance.md, "Not the connection"). Not a sleep: no
 * time passes on any Clock, so it works the same under `TestClock`. A zero timer where there is
 * no `setImmediate` (not Node).
 */
const yieldToEventLoop: Effect.Effect<void> = Effect.async<void>((resume) => {
  if (typeof globalThis.setImmediate === "function") {
    const immediate = globalThis.setImmediate(() => resume(Effect.void))
    return Effect.sync(() => globalThis.clearImmediate(immediate))
  }
  const timer = setTimeout(() => resume(Effect.void), 0)
  return Effect.sync(() => clearTimeout(timer))
})

/**
 * The batch: due work in due order, up to `size` steps, and ending before a customer's second
 * step. Money moves only after a batch commits, so a later step of the same customer (the next
 * renewal) must wait for the outcome of the earlier one (a dunning retry's final failure turns
 * the subscription `unpaid`, and an unpaid subscription does not renew). Without this cut, what a
 * test-clock advance bills would depend on the batch size, and so on the backend.
 */
export const oneStepPerCustomer = (
  due: ReadonlyArray<DueWork>,
  size: number,
  /** Customers whose last step's money is still with the provider: the batch stops before them too. */
  unsettled: ReadonlySet<unknown> = new Set()
): Array<DueWork> => {
  const batch: Array<DueWork> = []
  const customers = new Set<unknown>()
  for (const work of due) {
    if (batch.length === size || customers.has(work.row.customer) || unsettled.has(work.row.customer)) break
    customers.add(work.row.customer)
    batch.push(work)
  }
  return batch
}

export interface LoopReport {
  /** Steps done (those that failed or made no progress are in `failed` instead). */
  readonly steps: number
  /** Ids whose step failed or made no progress; the next run tries them again. */
  readonly failed: ReadonlyArray<string>
  /**
   * Set-wise batches that failed and were redone one step per transaction (a step that failed,
   * or a write the batch overlay could not take). Zero in a healthy run: each one costs the
   * batch's work twice.
   */
  readonly batchesRedone: number
}

export class BillingLoop extends Effect.Service<BillingLoop>()("@billkit/core/BillingLoop", {
  effect: Effect.gen(function*() {
    const storage = yield* Storage
    const { collectConcurrency } = yield* BillingConfig
    const cycle = yield* SubscriptionCycle
    const invoices = yield* Invoices
    const clocks = yield* TestClocks
    const events = yield* Events
    const payments = yield* Payments

    const dueWork = (tenant: Tenant, upTo: number, limit: number) =>
      Effect.gen(function*() {
        const query = { field: "due_at", upTo: isoAt(upTo), limit, skipLocked: true }
        const subs = yield* storage.due(Collections.Subscriptions, tenant, query)
        const open = yield* storage.due(Collections.Invoices, tenant, query)
        const work: Array<DueWork> = []
        for (const json of subs) {
          const at = dueAt(Either.getOrThrow(decodeSubscription(json)))
          if (at !== null) work.push({ kind: "subscription", id: json.id as string, at, row: json })
        }
        for (const json of open) {
          const next = json.next_payment_attempt
          if (typeof next === "string") work.push({ kind: "invoice", id: json.id as string, at: msOf(next), row: json })
        }
        return work.sort((a, b) => a.at - b.at)
      })

    /** Runs one due step; a step that makes no progress is set aside so the loop cannot spin. */
    const runStep = (work: DueWork, atDueTime: boolean, skipped: Set<string>) => {
      const step: Effect.Effect<boolean, unknown, CurrentTenant> =
        work.kind === "subscription" ? cycle.step(work.id) : invoices.retryPayment(work.id)
      return withStepMemo(atDueTime ? atInstant<boolean, unknown, CurrentTenant>(work.at)(step) : step).pipe(
        Effect.tap((progressed) => progressed ? Effect.void : Effect.sync(() => skipped.add(work.id)))
      )
    }

    /** All work of `tenant` due up to `upTo` (epoch ms). */
    const runTenantOnce = traced("BillingLoop.runTenant")(function*(tenant: Tenant, upTo: number, options: LoopOptions = {}) {
      const adaptive = options.batchSize === undefined && storage.dialect === "sqlite"
      let batchSize = options.batchSize ?? (storage.dialect === "sqlite" ? sqliteBatchSize : 100)
      const atDueTime = options.atDueTime ?? false
      const yieldBetweenBatches = options.yieldBetweenBatches ?? true
      const setWise = options.setWise ?? true
      // Not on test clocks: there a run must bill in due order exactly, and on Postgres the due
      // query skips the rows the last batch's recording transaction holds locked.
      const overlapCollection = (options.overlapCollection ?? storage.dialect === "postgres") && !atDueTime
      const failed = new Set<string>()
      let steps = 0
      let batchesRedone = 0
      /** What an intent is reported as when it stays pending: its invoice, or the refund. */
      const subjectOf = (intent: MoneyIntent) => intent._tag === "charge" ? intent.payment.invoice ?? intent.payment.id : intent.refund.id
      /** Sends committed intents to the provider and records the outcomes; pending ones are failed. */
      const settle = (intents: ReadonlyArray<MoneyIntent>) =>
        Effect.gen(function*() {
          if (intents.length === 0) return 0
          const pending = yield* invoices.settleAll(intents, atDueTime)
          for (const intent of pending) failed.add(subjectOf(intent))
          return intents.length - pending.length
        }).pipe(Effect.provideService(CurrentTenant, tenant))

      // Leftovers first: intents left pending by a crash, a timeout or a failing provider, sent
      // again under their first key (pages of 100; each settled one leaves the pending list).
      for (;;) {
        const leftovers = yield* Effect.provideService(invoices.pendingIntents(100), CurrentTenant, tenant)
        const fresh = leftovers.filter((i) => !failed.has(subjectOf(i)))
        if (fresh.length === 0) break
        steps += yield* settle(fresh)
        if (leftovers.length < 100) break
      }

      /** Settles a committed batch's money, then counts its steps (those not set aside by then). */
      const collect = (work: ReadonlyArray<DueWork>, intents: ReadonlyArray<MoneyIntent>) =>
        Effect.map(settle(intents), () => {
          steps += work.filter((w) => !failed.has(w.id)).length
        })
      /**
       * Batches whose money is on its way (the provider's answers, then their recording), oldest
       * first. Several may be, as long as their charges and refunds together stay within
       * `collectConcurrency`: no more calls are ever in flight than one batch alone may make.
       */
      const inFlight: Array<{ readonly fiber: Fiber.RuntimeFiber<void>; readonly customers: ReadonlySet<unknown>; readonly intents: number }> = []
      /** Waits for the oldest batch's money to be settled (a failure there fails the run, as before). */
      const settleOldest = Effect.suspend(() => {
        const oldest = inFlight.shift()
        return oldest === undefined ? Effect.void : Fiber.join(oldest.fiber)
      })
      /** Takes in the batches whose money is settled already, so their customers are due again. */
      const takeInSettled = Effect.suspend(() => {
        const done = inFlight.filter((c) => c.fiber.unsafePoll() !== null)
        if (done.length === 0) return Effect.void
        for (const c of done) inFlight.splice(inFlight.indexOf(c), 1)
        return Effect.forEach(done, (c) => Fiber.join(c.fiber), { discard: true })
      })
      const customersInFlight = (): ReadonlySet<unknown> | undefined =>
        inFlight.length === 0 ? undefined : inFlight.length === 1 ? inFlight[0].customers : new Set(inFlight.flatMap((c) => [...c.customers]))
      const intentsInFlight = () => inFlight.reduce((sum, c) => sum + c.intents, 0)

      /** The next rows due, less those set aside in this run, up to a customer whose money is in flight. */
      // Suspended: how many to ask for depends on what has been set aside by then.
      const nextBatch = Effect.suspend(() => Effect.map(dueWork(tenant, upTo, batchSize + failed.size), (due) =>
        oneStepPerCustomer(due.filter((w) => !failed.has(w.id)), batchSize, customersInFlight())))

      /** Intents of the transactions of this batch that committed. */
      let committed: Array<MoneyIntent> = []
      const inTransaction = <A, E, R>(self: Effect.Effect<A, E, R>) =>
        payments.collectIntents(storage.withTransaction(events.batched(self))).pipe(
          Effect.map(([a, made]) => {
            committed.push(...made)
            return a
          })
        )
      for (;;) {
        committed = []
        let redone = false
        const began = performance.now()
        // With money in flight, an empty batch is not the end: the due query skipped the rows its
        // recording held locked (Postgres's SKIP LOCKED), or stopped at its customers.
        yield* takeInSettled
        const overlapped = inFlight.length > 0
        // One transaction per batch, set-wise: what the batch reads is prefetched with one query
        // per table, its writes leave together (kernel/StorageBatch). If any step in it fails,
        // redo the batch one step per transaction, row by row, so that a single bad
        // subscription holds up no one else.
        const batch = yield* inTransaction(Effect.gen(function*() {
          const work = yield* nextBatch
          const steps = Effect.forEach(work, (w) => runStep(w, atDueTime, failed), { discard: true })
          yield* setWise
            ? inBatch(storage, tenant, prefetchFor(work.map((w) => w.row), work.filter((w) => w.kind === "invoice").map((w) => w.id)), steps)
            : steps
          return work
        })).pipe(
          Effect.catchAllCause((cause) =>
            Effect.gen(function*() {
              batchesRedone += 1
              redone = true
              yield* Effect.logDebug("billing loop: batch failed, redone row by row", cause)
              const work = yield* nextBatch
              for (const w of work) {
                yield* inTransaction(runStep(w, atDueTime, failed)).pipe(
                  Effect.catchAllCause((cause) =>
                    Effect.zipRight(Effect.logWarning(`billing loop: ${w.kind} ${w.id} failed`, cause), Effect.sync(() => failed.add(w.id)))
                  )
                )
              }
              return work
            })
          ),
          Effect.provideService(CurrentTenant, tenant)
        )
        const elapsedMs = performance.now() - began
        if (adaptive && !redone && batch.length === batchSize) batchSize = nextSqliteBatchSize(batchSize, elapsedMs)
        if (batch.length === 0) {
          if (!overlapped) break
          // What is left is due to customers whose money is in flight (or rows their recording
          // holds locked): wait for the oldest batch's.
          yield* settleOldest
          continue
        }
        // Only now, the batch committed, does its money move: beside the next batches' billing
        // (which leave this batch's customers out until then), or before it.
        if (overlapCollection) {
          // Room for this batch's calls: the oldest batches' money is settled first, until it fits.
          while (inFlight.length > 0 && intentsInFlight() + committed.length > collectConcurrency) yield* settleOldest
          const fiber = yield* Effect.fork(collect(batch, committed))
          inFlight.push({ fiber, customers: new Set(batch.map((w) => w.row.customer)), intents: committed.length })
        } else {
          yield* collect(batch, committed)
        }
        // Other requests (another project's, /healthz) run between batches, not after the run.
        if (yieldBetweenBatches) yield* yieldToEventLoop
      }
      return { steps, failed: [...failed], batchesRedone } satisfies LoopReport
    })
    /** All work of `tenant` due up to `upTo` (epoch ms); catalog reads memoized for the run. */
    const runTenant = (tenant: Tenant, upTo: number, options: LoopOptions = {}) => withRunMemo(runTenantOnce(tenant, upTo, options))

    /**
     * Every tenant: live mode up to now; test mode up to its test clock (or now, while the clock
     * follows real time). The example server calls this on an interval.
     */
    const runAll = traced("BillingLoop.runAll")(function*(options: LoopOptions = {}) {
      const now = yield* Clock.currentTimeMillis
      let steps = 0
      let batchesRedone = 0
      const failed: Array<string> = []
      for (const project of yield* storage.projects.all) {
        for (const mode of ["live", "test"] as ReadonlyArray<Mode>) {
          const tenant = { projectId: project.id, mode }
          const frozen = yield* Effect.provideService(clocks.frozenAt, CurrentTenant, tenant)
          const upTo = frozen._tag === "Some" ? frozen.value : now
          const report = yield* runTenant(tenant, upTo, { ...options, atDueTime: options.atDueTime ?? frozen._tag === "Some" })
          steps += report.steps
          batchesRedone += report.batchesRedone
          failed.push(...report.failed)
        }
      }
      return { steps, failed, batchesRedone } satisfies LoopReport
    })

    return { runTenant, runAll } as const
  }),
  dependencies: [SubscriptionCycle.Default, Invoices.Default, Payments.Default, TestClocks.Default, Events.Default]
}) {}
