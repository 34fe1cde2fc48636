/**
 * Events: the outbox. `emit` writes an event inside the caller's transaction, so the event
 * commits with the change it reports or not at all; webhook delivery reads them from there.
 */
import { Effect, FiberRef } from "effect"
import { Event, type EventType } from "./domain/Event.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { createdWithin, nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { EventRecords } from "./domain/Records.js"

export interface EventFilters {
  readonly type?: EventType
  readonly subject?: string
  /** Epoch milliseconds, inclusive. */
  readonly from?: number
  /** Epoch milliseconds, inclusive. */
  readonly to?: number
}

/** Events emitted inside `batched`, waiting to be written at its end. */
const pending = FiberRef.unsafeMake<Array<Event> | undefined>(undefined)

export class Events extends Effect.Service<Events>()("@billkit/core/Events", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(EventRecords)

    /**
     * Records that `type` happened to `subject`. `data` is the record's encoded (wire) JSON.
     * Run it inside the command's transaction: it joins it, and rolls back with it.
     */
    const emit = traced("Events.emit")(function*(type: EventType, subject: string, data: unknown) {
      // Time first: the id (whose time `from`/`to` filter on) is then never earlier than `created_at`.
      const createdAt = yield* nowIso
      const event: Event = { id: yield* ids.next("event"), object: "event", type, subject, data, createdAt }
      const batch = yield* FiberRef.get(pending)
      if (batch !== undefined) batch.push(event)
      // Event ids are fresh and the collection has no unique field: a violation cannot happen.
      else yield* repo.insert(event).pipe(Effect.orDie)
    })

    /**
     * Runs `self` with the events it emits written together when it succeeds: one statement for
     * a billing-loop batch instead of one per event. Run it inside the transaction it reports on;
     * nothing in `self` may read its own events back.
     */
    const batched = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | CurrentTenant> =>
      Effect.suspend(() => {
        const events: Array<Event> = []
        return Effect.locally(self, pending, events).pipe(
          Effect.tap(() => (events.length === 0 ? Effect.void : repo.insertMany(events)))
        )
      })

    const get = traced("Events.get")(function*(id: string) {
      return yield* repo.get(id)
    })

    const list = traced("Events.list")(function*(page: PageRequest, filters: EventFilters = {}) {
      const where: Record<string, string> = {}
      if (filters.type !== undefined) where.type = filters.type
      if (filters.subject !== undefined) where.subject = filters.subject
      return yield* repo.list(page, {
        where,
        ...createdWithin(filters)
      })
    })

    return { emit, batched, get, list } as const
  })
}) {}
