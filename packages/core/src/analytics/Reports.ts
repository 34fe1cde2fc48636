/**
 * Report runs: `start` records the run and works through it in a fiber of its own (the request
 * answers at once); each page of source records becomes one chunk of CSV rows, written with the
 * run's row count in one transaction. `file` streams the header and the chunks in order, a few at
 * a time, so memory stays flat for a file of any size.
 *
 * A run's worker holds it under a lease, renewed with each chunk it commits. A process that dies
 * mid-run (a deploy, a `kill -9`) leaves it `running` with a lease that runs out; `runDue` (the
 * example server calls it on its billing interval, like sync runs) takes it up after its last
 * committed chunk, so no row is written twice or lost. A worker that finds its lease taken over
 * (it stalled past it) stops and leaves the run to the new one.
 */
import { Cause, Chunk, Effect, Option, Stream } from "effect"
import * as Collections from "../kernel/Collections.js"
import { Storage, type Tenant } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { CustomerRecords } from "../customers/domain/index.js"
import { InvoiceRecords } from "../invoicing/domain/index.js"
import { Conflict, Invalid } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { highestIdAt, lowestIdAt } from "../kernel/Ids.js"
import type { Page, PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import type { ListQuery } from "../kernel/Storage.js"
import { isoAt, msOf, nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { PaymentRecords, RefundRecords } from "../payments/domain/index.js"
import { UsageEventRecords } from "../usage/domain/index.js"
import { type Cell, csvRow, decimalOf } from "./domain/Csv.js"
import { mrrOfArr } from "./domain/Mrr.js"
import { MrrEntryRecords, ReportChunkRecords, ReportRecords } from "./domain/Records.js"
import { chunkId, type ReportCreate, type ReportType, type StoredReport } from "./domain/Report.js"

/** Source records read (and CSV rows written) per page and chunk. */
export const reportPageSize = 1000

/** How long a worker holds a run between chunks before another may take it over. */
export const reportLeaseMs = 60_000

/** The worker lost its run to another (it stalled past its lease). */
class LeaseLost extends Error {}

type Filters = Omit<ListQuery, "limit" | "startingAfter" | "endingBefore" | "includeTotal">

/** One kind of report: its columns, and its rows a page at a time. */
interface Source {
  readonly header: ReadonlyArray<string>
  readonly page: (cursor: string | undefined, from: number | null, to: number | null) => Effect.Effect<{ readonly rows: ReadonlyArray<ReadonlyArray<Cell>>; readonly next: string | null }, never, CurrentTenant>
}

const onCreatedAt = (from: number | null, to: number | null, field = "created_at"): Filters =>
  from === null && to === null ? {} : { range: { field, ...(from === null ? {} : { from: isoAt(from) }), ...(to === null ? {} : { to: isoAt(to) }) } }

const pageOf = (cursor: string | undefined): PageRequest => ({ limit: reportPageSize, ...(cursor === undefined ? {} : { startingAfter: cursor }) })

const rowsOf = <A extends { readonly id: string }>(page: Page<A>, row: (a: A) => ReadonlyArray<Cell>) => ({
  rows: page.data.map(row),
  next: page.hasMore ? page.nextCursor : null
})

export class Reports extends Effect.Service<Reports>()("@billkit/core/Reports", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const reports = yield* makeRepository(ReportRecords)
    const chunks = yield* makeRepository(ReportChunkRecords)
    const invoices = yield* makeRepository(InvoiceRecords)
    const payments = yield* makeRepository(PaymentRecords)
    const refunds = yield* makeRepository(RefundRecords)
    const ledger = yield* makeRepository(MrrEntryRecords)
    const customers = yield* makeRepository(CustomerRecords)
    const usageEvents = yield* makeRepository(UsageEventRecords)

    const sources: Record<ReportType, Source> = {
      invoices: {
        header: ["id", "number", "customer", "subscription", "status", "currency", "sub_total", "discount_total", "tax_total", "total", "amount_paid", "amount_remaining", "created_at"],
        page: (c, from, to) =>
          Effect.map(invoices.list(pageOf(c), onCreatedAt(from, to)), (p) =>
            rowsOf(p, (i) => [i.id, i.number, i.customer, i.subscription, i.status, i.currency, decimalOf(i.subTotal, i.currency), decimalOf(i.discountTotal, i.currency), decimalOf(i.taxTotal, i.currency), decimalOf(i.total, i.currency), decimalOf(i.amountPaid, i.currency), decimalOf(i.amountRemaining, i.currency), i.createdAt]))
      },
      payments: {
        header: ["id", "customer", "invoice", "status", "currency", "amount", "amount_refunded", "created_at"],
        page: (c, from, to) =>
          Effect.map(payments.list(pageOf(c), onCreatedAt(from, to)), (p) =>
            rowsOf(p, (x) => [x.id, x.customer, x.invoice, x.status, x.currency, decimalOf(x.amount, x.currency), decimalOf(x.amountRefunded, x.currency), x.createdAt]))
      },
      refunds: {
        header: ["id", "payment", "customer", "status", "currency", "amount", "created_at"],
        page: (c, from, to) =>
          Effect.map(refunds.list(pageOf(c), onCreatedAt(from, to)), (p) =>
            rowsOf(p, (r) => [r.id, r.payment, r.customer, r.status, r.currency, decimalOf(r.amount, r.currency), r.createdAt]))
      },
      mrr_movements: {
        // `arr_change` is exact; `mrr_change` is it ÷ 12, rounded half away from zero to the minor unit.
        header: ["id", "at", "type", "subscription", "customer", "currency", "mrr_change", "arr_change", "backfilled"],
        page: (c, from, to) =>
          Effect.map(ledger.list(pageOf(c), onCreatedAt(from, to, "at")), (p) => ({
            rows: p.data.filter((e) => e.arrDelta !== 0).map((e) => [e.id, e.at, e.type, e.subscription, e.customer, e.currency, decimalOf(mrrOfArr(BigInt(e.arrDelta)), e.currency), decimalOf(e.arrDelta, e.currency), e.backfilled]),
            next: p.hasMore ? p.nextCursor : null
          }))
      },
      customers: {
        header: ["id", "email", "name", "created_at"],
        page: (c, from, to) =>
          Effect.map(customers.list(pageOf(c), {
            ...(from === null ? {} : { idFrom: lowestIdAt("customer", from) }),
            ...(to === null ? {} : { idTo: highestIdAt("customer", to) })
          }), (p) => rowsOf(p, (x) => [x.id, x.email, x.name, x.createdAt]))
      },
      usage_events: {
        header: ["id", "event_id", "customer", "subscription", "code", "value", "timestamp"],
        page: (c, from, to) =>
          Effect.map(usageEvents.list(pageOf(c), {
            ...(from === null ? {} : { idFrom: lowestIdAt("usageEvent", from) }),
            ...(to === null ? {} : { idTo: highestIdAt("usageEvent", to) })
          }), (p) => rowsOf(p, (e) => [e.id, e.eventId, e.customer, e.subscription, e.code, e.value, e.timestamp]))
      }
    }

    const storage = yield* Storage

    /**
     * Commits `next` of a run this worker holds, with `also` (its chunk) in the same transaction:
     * the run's lease must still be the one this worker wrote last and the run still running; the
     * lease is renewed with it.
     */
    const commit = (
      held: StoredReport,
      next: (current: StoredReport, now: string) => StoredReport,
      also: Effect.Effect<void, never, CurrentTenant> = Effect.void
    ) =>
      reports.transaction(Effect.gen(function*() {
        const current = yield* reports.get(held.id, true).pipe(Effect.orDie)
        if (current.status !== "running" || (current.leaseUntil ?? null) !== (held.leaseUntil ?? null)) return yield* Effect.die(new LeaseLost(held.id))
        yield* also
        const updated = next(current, yield* nowIso)
        yield* reports.update(updated).pipe(Effect.orDie)
        return updated
      }))

    const renewed = (now: string) => isoAt(msOf(now) + reportLeaseMs)

    /**
     * Works through a run this worker holds, from its last committed chunk: each page's chunk
     * commits with the run's row count, cursor and renewed lease, until the end.
     */
    const work = (claimed: StoredReport) =>
      Effect.gen(function*() {
        const source = sources[claimed.type]
        const from = claimed.from === null ? null : msOf(claimed.from)
        const to = claimed.to === null ? null : msOf(claimed.to)
        let held = claimed
        let cursor: string | undefined = claimed.resumeAfter ?? undefined
        for (;;) {
          const page = yield* source.page(cursor, from, to)
          const rows = page.rows.length
          const seq = held.chunks ?? 0
          const chunk = { id: chunkId(held.id, seq), object: "report_chunk" as const, report: held.id, rows, csv: page.rows.map(csvRow).join("") }
          held = yield* commit(
            held,
            (current, now) => ({ ...current, rows: current.rows + rows, chunks: seq + (rows > 0 ? 1 : 0), resumeAfter: page.next, leaseUntil: renewed(now) }),
            rows > 0 ? Effect.asVoid(Effect.orDie(chunks.insert(chunk))) : Effect.void
          )
          if (page.next === null) break
          cursor = page.next
        }
        yield* commit(held, (current, now) => ({ ...current, status: "succeeded", finished: now, leaseUntil: null }))
      }).pipe(
        Effect.catchAllCause((cause) =>
          // Lost to another worker: that one carries on. Anything else fails the run.
          Option.match(Option.filter(Cause.dieOption(cause), (d) => d instanceof LeaseLost), {
            onSome: () => Effect.void,
            onNone: () =>
              commit(claimed, (current, now) => ({ ...current, status: "failed", error: "the run failed; start another", finished: now, leaseUntil: null })).pipe(
                Effect.catchAllCause(() => Effect.void),
                Effect.zipRight(Effect.logError("report run failed", cause))
              )
          }))
      )

    /** Takes a run whose worker died (still running, lease run out) for this worker. None if another got it. */
    const claim = (id: string) =>
      reports.transaction(Effect.gen(function*() {
        const found = yield* reports.find(id, true)
        if (Option.isNone(found)) return Option.none<StoredReport>()
        const now = yield* nowIso
        const run = found.value
        // A run from before leases has none: its worker is taken for dead once a lease has passed since it was created.
        const expires = run.leaseUntil ?? renewed(run.created)
        if (run.status !== "running" || expires > now) return Option.none<StoredReport>()
        const leased: StoredReport = { ...run, leaseUntil: renewed(now) }
        yield* reports.update(leased).pipe(Effect.orDie)
        return Option.some(leased)
      }))

    /**
     * Takes up every run of every project and mode whose worker died, and works each to its end
     * in this fiber: the number taken up.
     */
    const runDue = traced("Reports.runDue")(function*() {
      let taken = 0
      for (const project of yield* storage.projects.all) {
        for (const mode of ["test", "live"] as const) {
          const tenant: Tenant = { projectId: project.id, mode }
          const running = yield* storage.list(Collections.Reports, tenant, { where: { status: "running" }, limit: 100 })
          for (const row of running.data) {
            const done = yield* Effect.gen(function*() {
              const claimed = yield* claim(String(row.id))
              if (Option.isNone(claimed)) return false
              yield* work(claimed.value)
              return true
            }).pipe(Effect.provideService(CurrentTenant, tenant))
            if (done) taken++
          }
        }
      }
      return taken
    })

    const start = traced("Reports.start")(function*(input: ReportCreate) {
      if (input.connection !== undefined) {
        // No payment-provider connections exist in this build: every one is unknown.
        return yield* new Invalid({ field: "connection", message: `no such connection: ${input.connection}` })
      }
      if (input.from !== undefined && input.to !== undefined && msOf(input.from) > msOf(input.to)) {
        return yield* new Invalid({ field: "from", message: "must not be after `to`" })
      }
      const report: StoredReport = {
        id: yield* ids.next("report"),
        object: "report",
        type: input.type,
        from: input.from === undefined ? null : isoAt(msOf(input.from)),
        to: input.to === undefined ? null : isoAt(msOf(input.to)),
        connection: null,
        status: "running",
        rows: 0,
        error: null,
        created: yield* nowIso,
        finished: null,
        leaseUntil: renewed(yield* nowIso),
        resumeAfter: null,
        chunks: 0
      }
      yield* reports.insert(report).pipe(Effect.orDie)
      // The run goes on after the answer; GET /v1/reports/{id} tells when it is done.
      yield* Effect.forkDaemon(work(report))
      return report
    })

    const get = (id: string) => reports.get(id)

    /** The CSV file of a succeeded run: the header, then its chunks in order, streamed. */
    const file = traced("Reports.file")(function*(id: string) {
      const report = yield* reports.get(id)
      if (report.status !== "succeeded") {
        return yield* new Conflict({ message: `report ${id} is ${report.status}; its file exists once it has succeeded` })
      }
      const context = yield* Effect.context<CurrentTenant>()
      const header = csvRow(sources[report.type].header)
      const body = Stream.paginateChunkEffect(undefined as string | undefined | null, (cursor) =>
        cursor === null
          ? Effect.succeed([Chunk.empty<string>(), Option.none<string | undefined | null>()] as const)
          : Effect.map(
            chunks.list({ limit: 10, ...(cursor === undefined ? {} : { startingAfter: cursor }) }, { where: { report: report.id } }),
            (page) => [Chunk.fromIterable(page.data.map((c) => c.csv)), Option.some<string | undefined | null>(page.hasMore ? page.nextCursor : null)] as const
          )
      ).pipe(Stream.provideContext(context))
      return { report, stream: Stream.concat(Stream.make(header), body) }
    })

    return { start, get, file, runDue } as const
  })
}) {}
