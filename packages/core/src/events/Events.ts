/**
 * Events: the outbox. `emit` writes an event inside the caller's transaction, so the event
 * commits with the change it reports or not at all; webhook delivery reads them from there.
 */
import { Effect, FiberRef } from "effect"
import { type EventType, type StoredEvent, typesMatching } from "./domain/Event.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { createdWithin, nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { EventRecords } from "./domain/Records.js"

export interface EventFilters {
  /** An exact type or a prefix (see `typesMatching`). */
  readonly type?: string
  readonly subject?: string
  /** Epoch milliseconds, inclusive. */
  readonly from?: number
  /** Epoch milliseconds, inclusive. */
  readonly to?: number
}

/** Events emitted inside `batched`, waiting to be written at its end. */
const pending = FiberRef.unsafeMake<Array<StoredEvent> | undefined>(undefined)

export class Events extends Effect.Service<Events>()("@billkit/core/Events", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(EventRecords)

    /**
     * Records that `type` happened to `subject`. `data` is the record's encoded (wire) JSON.
     * Run it inside the command's transaction: it joins it, and rolls back with it.
     */
    const emit = traced("Events.emit")(function*(
      type: EventType,
      subject: string,
      data: unknown,
      options: { readonly dispatch?: boolean } = {}
    ) {
      // Time first: the id (whose time `from`/`to` filter on) is then never earlier than `created_at`.
      const createdAt = yield* nowIso
      const event: StoredEvent = {
        id: yield* ids.next("event"), object: "event", type, subject, data, createdAt,
        // Waits for the webhook dispatcher (a test send is delivered by hand: `dispatch: false`).
        dispatched: options.dispatch === false
      }
      const batch = yield* FiberRef.get(pending)
      if (batch !== undefined) batch.push(event)
      // Event ids are fresh and the collection has no unique field: a violation cannot happen.
      else yield* repo.insert(event).pipe(Effect.orDie)
      return event
    })

    /**
     * Events not yet fanned out to webhooks and subscribers, oldest first. Inside a transaction on
     * Postgres the rows stay locked (skipped by other workers) until it ends.
     */
    const undispatched = (limit: number) => repo.due({ field: "dispatch", upTo: "0", limit, skipLocked: true })

    /** Marks events fanned out, in the transaction that wrote their deliveries. */
    const markDispatched = (events: ReadonlyArray<StoredEvent>) =>
      repo.updateMany(events.map((e) => ({ ...e, dispatched: true })))

    /** The events of `ids` that exist, in one query: a delivery batch reads its events together. */
    const getMany = (ids: ReadonlyArray<string>) => repo.findMany("id", ids)

    /**
     * Runs `self` with the events it emits written together when it succeeds: one statement for
     * a billing-loop batch instead of one per event. Run it inside the transaction it reports on;
     * nothing in `self` may read its own events back.
     */
    const batched = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | CurrentTenant> =>
      Effect.suspend(() => {
        const events: Array<StoredEvent> = []
        return Effect.locally(self, pending, events).pipe(
          Effect.tap(() => (events.length === 0 ? Effect.void : repo.insertMany(events)))
        )
      })

    const get = traced("Events.get")(function*(id: string) {
      return yield* repo.get(id)
    })

    const list = traced("Events.list")(function*(page: PageRequest, filters: EventFilters = {}) {
      const where: Record<string, string> = {}
      if (filters.subject !== undefined) where.subject = filters.subject
      const types = filters.type === undefined ? undefined : typesMatching(filters.type)
      if (types !== undefined && types.length === 0) return { data: [], hasMore: false, nextCursor: null, ...(page.includeTotal === true ? { total: 0 } : {}) }
      if (types !== undefined && types.length === 1) where.type = types[0]!
      else if (types !== undefined) {
        // A prefix naming several types: a range over the type column ("invoice." up to "invoice.~").
        const prefix = types[0]!.slice(0, types[0]!.indexOf(".") + 1)
        if (filters.from === undefined && filters.to === undefined) {
          return yield* repo.list(page, { where, range: { field: "type", from: prefix, to: `${prefix}~` } })
        }
        return yield* listEach(page, types, filters)
      }
      return yield* repo.list(page, {
        where,
        ...createdWithin(filters)
      })
    })

    /**
     * Several types within a time window (the port filters one range per query): the merged
     * pages of one query per type, in id order, cut at the page size.
     */
    const listEach = (page: PageRequest, types: ReadonlyArray<string>, filters: EventFilters) =>
      Effect.gen(function*() {
        const pages = yield* Effect.forEach(types, (type) =>
          repo.list({ ...page, limit: page.limit + 1, includeTotal: page.includeTotal ?? false }, { where: { ...(filters.subject === undefined ? {} : { subject: filters.subject }), type }, ...createdWithin(filters) }))
        const backwards = page.endingBefore !== undefined
        const merged = pages.flatMap((p) => p.data).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        const picked = backwards ? merged.slice(Math.max(0, merged.length - page.limit)) : merged.slice(0, page.limit)
        const hasMore = merged.length > page.limit || pages.some((p) => p.hasMore)
        const edge = backwards ? picked[0] : picked[picked.length - 1]
        return {
          data: picked,
          hasMore,
          nextCursor: hasMore && edge !== undefined ? edge.id : null,
          ...(page.includeTotal === true ? { total: pages.reduce((n, p) => n + (p.total ?? 0), 0) } : {})
        }
      })

    return { emit, batched, get, getMany, list, undispatched, markDispatched } as const
  })
}) {}
