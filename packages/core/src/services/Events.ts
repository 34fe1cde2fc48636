/**
 * Events: the outbox. `emit` writes an event inside the caller's transaction, so the event
 * commits with the change it reports or not at all; webhook delivery reads them from there.
 */
import { Effect } from "effect"
import { Event, type EventType } from "../domain/Event.js"
import { highestIdAt, lowestIdAt } from "../domain/Ids.js"
import { IdGenerator } from "../ports/IdGenerator.js"
import * as Collections from "../storage/Collections.js"
import type { PageRequest } from "./Page.js"
import { makeRepository } from "./Repository.js"
import { nowIso } from "./Time.js"
import { traced } from "./Traced.js"

export interface EventFilters {
  readonly type?: EventType
  readonly subject?: string
  /** Epoch milliseconds, inclusive. */
  readonly from?: number
  /** Epoch milliseconds, inclusive. */
  readonly to?: number
}

export class Events extends Effect.Service<Events>()("@billkit/core/Events", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(Collections.Events, Event, {
      resource: "event",
      index: (e) => ({ type: e.type, subject: e.subject })
    })

    /**
     * Records that `type` happened to `subject`. `data` is the record's encoded (wire) JSON.
     * Run it inside the command's transaction: it joins it, and rolls back with it.
     */
    const emit = traced("Events.emit")(function*(type: EventType, subject: string, data: unknown) {
      // Time first: the id (whose time `from`/`to` filter on) is then never earlier than `created_at`.
      const createdAt = yield* nowIso
      const event: Event = { id: yield* ids.next("event"), object: "event", type, subject, data, createdAt }
      // Event ids are fresh and the collection has no unique field: a violation cannot happen.
      yield* repo.insert(event).pipe(Effect.orDie)
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
        ...(filters.from === undefined ? {} : { idFrom: lowestIdAt("event", filters.from) }),
        ...(filters.to === undefined ? {} : { idTo: highestIdAt("event", filters.to) })
      })
    })

    return { emit, get, list } as const
  })
}) {}
