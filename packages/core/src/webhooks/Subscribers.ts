/**
 * In-process subscribers: handlers an embedding app registers (`billing.events.subscribe(
 * "invoice.paid", handler)`) that receive events from the same outbox as webhook endpoints,
 * after commit, at least once, with the same retry schedule; a delivery that runs out of retries
 * stays `failed` (the dead-letter list). Each is stored under its name, so every process that
 * runs the delivery worker must register the same subscribers.
 */
import { Effect } from "effect"
import type { Event } from "../events/index.js"
import type { Tenant } from "../kernel/Storage.js"

export type SubscriberHandler = (event: Event, tenant: Tenant) => Effect.Effect<void, unknown>

export interface Subscriber {
  readonly name: string
  readonly patterns: ReadonlyArray<string>
  readonly handler: SubscriberHandler
}

export class Subscribers extends Effect.Service<Subscribers>()("@billkit/core/Subscribers", {
  sync: () => {
    const registry = new Map<string, Subscriber>()
    return {
      /**
       * Registers `handler` for events matching `patterns` (exact types, `*`, `invoice.*`) under
       * `name` (default: the patterns joined); returns a function that unregisters it. Events
       * committed after this reach it; a second registration under one name replaces the first.
       */
      subscribe: (patterns: string | ReadonlyArray<string>, handler: SubscriberHandler, options: { readonly name?: string } = {}) =>
        Effect.sync(() => {
          const list = typeof patterns === "string" ? [patterns] : patterns
          const name = options.name ?? list.join(",")
          const subscriber = { name, patterns: list, handler }
          registry.set(name, subscriber)
          return () => {
            if (registry.get(name) === subscriber) registry.delete(name)
          }
        }),
      all: Effect.sync(() => [...registry.values()]),
      get: (name: string) => Effect.sync(() => registry.get(name))
    } as const
  }
}) {}
