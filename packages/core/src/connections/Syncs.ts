/**
 * Sync runs: importing a connection's account page by page. `start` commits a `pending` run;
 * `runDue` (the example server calls it on its billing interval; a host may call it from any
 * worker) takes up runs that are pending, or running under a lease that ran out because their
 * worker died. Each page is fetched outside any transaction, then its objects and the type's
 * cursor commit together: a `kill -9` loses at most the page in flight, which the next worker
 * fetches again and stores over itself. Objects are keyed `<connection>:<provider id>`, so a
 * re-run updates rather than duplicates. A 429 backs off exponentially and asks again.
 */
import { Effect, Option, Ref, Schedule } from "effect"
import { Conflict, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { Storage, type Tenant } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt, msOf, nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import * as Collections from "../kernel/Collections.js"
import { Connections } from "./Connections.js"
import { ProviderObjectRecords, SyncRecords } from "./domain/Records.js"
import {
  objectId, toPublicSync, type StoredProviderObject, type StoredSync, type TypeProgress
} from "./domain/Sync.js"
import { driftOf } from "./Drift.js"
import { makeImporter } from "./Imports.js"
import { Payments } from "../payments/index.js"
import { ProviderAccounts, ProviderRateLimited, syncedTypes, type ProviderObject, type SyncedType } from "./ProviderAccounts.js"

export interface SyncRunOptions {
  /** Objects per provider page (Stripe allows up to 100). Default 100. */
  readonly pageSize?: number
  /** How long a worker holds a run between pages before another may take it over. Default 60 s. */
  readonly leaseMs?: number
  /** The first wait after a 429, doubled each time (at most 8 tries per page). Default 500 ms. */
  readonly backoffMs?: number
  /** Stop after this many pages (the rest stays due): lets a host bound one call. Default: no bound. */
  readonly maxPages?: number
}

export interface SyncRunReport {
  /** Runs worked on (finished or not). */
  readonly syncs: number
  readonly pages: number
  readonly objects: number
}

const emptyProgress = (): Array<TypeProgress> =>
  syncedTypes.map((type) => ({ type, status: "pending", cursor: null, imported: 0, created: 0, updated: 0 }))

class LeaseLost extends Error {}

export class Syncs extends Effect.Service<Syncs>()("@billkit/core/Syncs", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const storage = yield* Storage
    const connections = yield* Connections
    const repo = yield* makeRepository(SyncRecords)
    const objects = yield* makeRepository(ProviderObjectRecords)

    const start = traced("Syncs.start")(function*(connectionId: string) {
      yield* connections.get(connectionId)
      const now = yield* nowIso
      const id = yield* ids.next("sync")
      return yield* repo.transaction(
        Effect.gen(function*() {
          for (const status of ["pending", "running"]) {
            const open = yield* repo.list({ limit: 1 }, { where: { connection: connectionId, status } })
            const [busy] = open.data
            if (busy !== undefined) return yield* new Conflict({ message: `${busy.id} is still ${busy.status} for this connection` })
          }
          const sync: StoredSync = {
            id,
            object: "sync",
            connection: connectionId,
            status: "pending",
            counts: Object.fromEntries(syncedTypes.map((t) => [t, 0])),
            progress: emptyProgress(),
            rateLimited: 0,
            errors: [],
            drift: [],
            createdAt: now,
            startedAt: null,
            finishedAt: null,
            dueAt: now
          }
          yield* repo.insert(sync).pipe(Effect.orDie)
          return toPublicSync(sync)
        })
      )
    })

    const getStored = (connectionId: string, syncId: string) =>
      Effect.flatMap(repo.get(syncId), (sync) =>
        sync.connection === connectionId ? Effect.succeed(sync) : Effect.fail(new NotFound({ resource: "sync", id: syncId })))

    const get = traced("Syncs.get")(function*(connectionId: string, syncId: string) {
      return toPublicSync(yield* getStored(connectionId, syncId))
    })

    const list = traced("Syncs.list")(function*(connectionId: string, page: PageRequest) {
      yield* connections.get(connectionId)
      const found = yield* repo.list(page, { where: { connection: connectionId } })
      return { ...found, data: found.data.map(toPublicSync) }
    })

    /** The stored objects of a connection, oldest id first; by type and creation time. */
    const listObjects = traced("Syncs.listObjects")(function*(
      connectionId: string,
      page: PageRequest,
      filters: { readonly type?: SyncedType; readonly from?: number; readonly to?: number } = {}
    ) {
      yield* connections.get(connectionId)
      const where: Record<string, string> = { connection: connectionId }
      if (filters.type !== undefined) where.type = filters.type
      const range = filters.from === undefined && filters.to === undefined ? {} : {
        range: {
          field: "created_at",
          ...(filters.from === undefined ? {} : { from: isoAt(filters.from) }),
          ...(filters.to === undefined ? {} : { to: isoAt(filters.to) })
        }
      }
      return yield* objects.list(page, { where, ...range })
    })

    /** Stores one page: new objects inserted, known ones updated; answers how many were new. */
    const storePage = (connection: string, type: SyncedType, page: ReadonlyArray<ProviderObject>, now: string) =>
      Effect.gen(function*() {
        const records: Array<StoredProviderObject> = page.map((o) => ({
          id: objectId(connection, o.id),
          object: "provider_object",
          connection,
          type,
          providerId: o.id,
          createdAt: isoAt(o.created * 1000),
          customer: o.customer,
          amount: o.amount,
          currency: o.currency,
          status: o.status,
          refunded: o.refunded,
          charge: o.charge,
          paymentIntent: o.paymentIntent,
          data: o.data,
          syncedAt: now
        }))
        const inserted = new Set(yield* objects.insertMany(records))
        yield* objects.updateMany(records.filter((record) => !inserted.has(record.id)))
        // The provider ids seen for the first time: their records cannot exist yet (they commit together).
        return new Set(page.filter((o) => inserted.has(objectId(connection, o.id))).map((o) => o.id))
      })

    /** Takes a due run for this worker: running, leased until `now + leaseMs`. None if another got it. */
    const claim = (syncId: string, leaseMs: number) =>
      repo.transaction(Effect.gen(function*() {
        const found = yield* repo.find(syncId, true)
        if (Option.isNone(found)) return Option.none<StoredSync>()
        const sync = found.value
        const now = yield* nowIso
        if (sync.dueAt === null || sync.dueAt > now) return Option.none<StoredSync>()
        const leased: StoredSync = {
          ...sync,
          status: "running",
          startedAt: sync.startedAt ?? now,
          dueAt: isoAt(msOf(now) + leaseMs)
        }
        yield* repo.update(leased).pipe(Effect.orDie)
        return Option.some(leased)
      }))

    /** Commits `next` if this worker still holds the run (its lease is the one it wrote last). */
    const commit = (held: StoredSync, next: (current: StoredSync) => Effect.Effect<StoredSync, never, CurrentTenant>) =>
      repo.transaction(Effect.gen(function*() {
        const current = yield* repo.get(held.id, true).pipe(Effect.orDie)
        if (current.dueAt !== held.dueAt || current.status !== "running") return yield* Effect.die(new LeaseLost(held.id))
        const updated = yield* next(current)
        yield* repo.update(updated).pipe(Effect.orDie)
        return updated
      }))

    const finish = (held: StoredSync, status: "succeeded" | "failed", extra: Partial<StoredSync>) =>
      commit(held, (current) => Effect.map(nowIso, (now) => ({ ...current, ...extra, status, finishedAt: now, dueAt: null })))

    /** Works one claimed run until it finishes, its lease is lost, or `budget` pages are spent. */
    const work = (claimed: StoredSync, options: Required<SyncRunOptions>, budget: Ref.Ref<number>) =>
      Effect.gen(function*() {
        let held = claimed
        let pages = 0
        let seen = 0
        const provider = (yield* ProviderAccounts).stripe
        if (provider === undefined) {
          yield* finish(held, "failed", { errors: [...held.errors, { type: null, message: "no stripe integration is configured", at: yield* nowIso }] })
          return { pages, objects: seen }
        }
        const importer = yield* makeImporter
        const key = yield* Effect.either(connections.secretKeyOf(held.connection))
        if (key._tag === "Left") {
          yield* finish(held, "failed", { errors: [...held.errors, { type: null, message: `connection ${held.connection} was deleted`, at: yield* nowIso }] })
          return { pages, objects: seen }
        }
        for (const type of syncedTypes) {
          let progress = held.progress.find((p) => p.type === type)!
          while (progress.status !== "done") {
            if ((yield* Ref.get(budget)) <= 0) return { pages, objects: seen }
            const backoffs = yield* Ref.make(0)
            const fetched = yield* provider.listPage(key.right, type, { startingAfter: progress.cursor, limit: options.pageSize }).pipe(
              Effect.tapError(() => Ref.update(backoffs, (n) => n + 1)),
              Effect.retry({
                schedule: Schedule.exponential(options.backoffMs),
                times: 7,
                while: (e) => e instanceof ProviderRateLimited
              }),
              // A network or server failure fails the run with its message; a new run starts over.
              Effect.catchAllDefect((defect) => Effect.fail({ message: defect instanceof Error ? defect.message : String(defect) })),
              Effect.either
            )
            const rateLimited = yield* Ref.get(backoffs)
            if (fetched._tag === "Left") {
              yield* finish(held, "failed", {
                rateLimited: held.rateLimited + rateLimited,
                errors: [...held.errors, { type, message: `${fetched.left.message} (gave up after ${rateLimited} tries)`, at: yield* nowIso }]
              })
              return { pages, objects: seen }
            }
            const page = fetched.right
            const now = yield* nowIso
            held = yield* commit(held, (current) =>
              Effect.gen(function*() {
                const fresh = yield* storePage(current.connection, type, page.data, now)
                const created = fresh.size
                // The page's records commit with the page and the cursor: a resumed run redoes no more than one page.
                const imported = yield* importer.importPage(current.connection, type, page.data, now, fresh)
                const errors = [...current.errors, ...imported.skipped.map((message) => ({ type, message, at: now }))]
                const last = page.data[page.data.length - 1]
                const before = current.progress.find((p) => p.type === type)!
                const after: TypeProgress = {
                  type,
                  status: page.hasMore && last !== undefined ? "running" : "done",
                  cursor: last?.id ?? before.cursor,
                  imported: before.imported + page.data.length,
                  created: before.created + created,
                  updated: before.updated + page.data.length - created
                }
                return {
                  ...current,
                  progress: current.progress.map((p) => (p.type === type ? after : p)),
                  counts: { ...current.counts, [type]: after.imported },
                  rateLimited: current.rateLimited + rateLimited,
                  // At most 100 kept: an account with thousands of objects Billkit cannot take must not bloat the run.
                  errors: errors.slice(0, 100),
                  dueAt: isoAt(msOf(now) + options.leaseMs)
                }
              }))
            progress = held.progress.find((p) => p.type === type)!
            pages++
            seen += page.data.length
            yield* Ref.update(budget, (n) => n - 1)
            if (progress.status === "done" || pages % 20 === 0) {
              yield* Effect.logInfo(`sync ${held.id}: ${type} ${progress.imported} imported${progress.status === "done" ? ", done" : ""}`)
            }
          }
        }
        const drift = yield* driftOf(held.connection)
        held = yield* finish(held, "succeeded", { drift })
        yield* Effect.logInfo(`sync ${held.id}: succeeded, ${Object.entries(held.counts).map(([t, n]) => `${n} ${t}`).join(", ")}; ${drift.length} drift`)
        return { pages, objects: seen }
      }).pipe(
        // Another worker took the run over (this one stalled past its lease): leave it to that one.
        Effect.catchSomeDefect((defect) => (defect instanceof LeaseLost ? Option.some(Effect.succeed({ pages: 0, objects: 0 })) : Option.none()))
      )

    /** Works every due run of every project and mode (see the module comment). */
    const runDue = traced("Syncs.runDue")(function*(options: SyncRunOptions = {}) {
      const settings: Required<SyncRunOptions> = {
        pageSize: options.pageSize ?? 100,
        leaseMs: options.leaseMs ?? 60_000,
        backoffMs: options.backoffMs ?? 500,
        maxPages: options.maxPages ?? Number.MAX_SAFE_INTEGER
      }
      const budget = yield* Ref.make(settings.maxPages)
      let report: SyncRunReport = { syncs: 0, pages: 0, objects: 0 }
      for (const project of yield* storage.projects.all) {
        for (const mode of ["test", "live"] as const) {
          const tenant: Tenant = { projectId: project.id, mode }
          const due = yield* storage.due(Collections.Syncs, tenant, { field: "due_at", upTo: yield* nowIso, limit: 10 })
          for (const row of due) {
            const done = yield* Effect.gen(function*() {
              const claimed = yield* claim(String(row.id), settings.leaseMs)
              if (Option.isNone(claimed)) return { pages: 0, objects: 0 }
              return yield* work(claimed.value, settings, budget)
            }).pipe(Effect.provideService(CurrentTenant, tenant))
            report = { syncs: report.syncs + 1, pages: report.pages + done.pages, objects: report.objects + done.objects }
          }
        }
      }
      return report
    })

    return { start, get, list, listObjects, runDue } as const
  }),
  dependencies: [Connections.Default, Payments.Default]
}) {}
