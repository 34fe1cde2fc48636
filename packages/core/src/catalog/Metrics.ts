/**
 * Metrics: how usage events of one `code` aggregate. A metric is addressable by id or code. Once
 * an event was recorded for it, only `name` and `description` change: its rollups were computed
 * with its aggregation and filters, and would no longer mean what they say.
 */
import { Effect, Option } from "effect"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import type { MetricCreate, MetricUpdate } from "./domain/Metric.js"
import { Metric } from "./domain/Metric.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import type { PageRequest } from "../kernel/Page.js"
import { patch } from "../kernel/Patch.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { MetricRecords } from "./domain/Records.js"

const duplicateCode = () => new Conflict({ field: "code", message: "A metric with this code already exists" })

/** `aggregation_property` names what is aggregated; `count` alone needs none. */
const checkProperty = (metric: Metric): Effect.Effect<void, Invalid> =>
  metric.aggregationMethod !== "count" && metric.aggregationProperty === null
    ? Effect.fail(new Invalid({ field: "aggregation_property", message: `is required for ${metric.aggregationMethod}` }))
    : Effect.void

export class Metrics extends Effect.Service<Metrics>()("@billkit/core/Metrics", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const storage = yield* Storage
    const repo = yield* makeRepository(MetricRecords)

    const create = traced("Metrics.create")(function*(input: MetricCreate) {
      const now = yield* nowIso
      const metric: Metric = {
        id: yield* ids.next("metric"),
        object: "metric",
        code: input.code,
        name: input.name,
        description: input.description ?? null,
        aggregationMethod: input.aggregationMethod,
        aggregationProperty: input.aggregationProperty ?? null,
        filters: input.filters ?? [],
        createdAt: now,
        updatedAt: now
      }
      yield* checkProperty(metric)
      return yield* repo.insert(metric).pipe(Effect.mapError(duplicateCode))
    })

    /** A metric by id (`met_…`) or by code, if there is one. */
    const resolve = (ref: string): Effect.Effect<Option.Option<Metric>, never, CurrentTenant> =>
      ref.startsWith("met_") ? repo.find(ref) : repo.findBy("code", ref)

    const get = traced("Metrics.get")(function*(ref: string) {
      return yield* Effect.flatMap(resolve(ref), Option.match({
        onNone: () => Effect.fail(new NotFound({ resource: "metric", id: ref })),
        onSome: Effect.succeed
      }))
    })

    const hasEvents = (code: string) =>
      Effect.flatMap(CurrentTenant, (tenant) => storage.findOne(Collections.UsageEvents, tenant, "code", code)).pipe(
        Effect.map(Option.isSome)
      )

    const update = traced("Metrics.update")(function*(ref: string, input: MetricUpdate) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const found = yield* get(ref)
          const current = yield* repo.get(found.id, true)
          const { description: _d, name: _n, ...aggregation } = input
          const changed = (Object.keys(aggregation) as Array<keyof typeof aggregation>).find((k) => aggregation[k] !== undefined)
          if (changed !== undefined && (yield* hasEvents(current.code))) {
            const field = changed === "aggregationMethod" ? "aggregation_method" : changed === "aggregationProperty" ? "aggregation_property" : changed
            return yield* new Conflict({ field, message: "cannot change once usage events were recorded for this metric; create a new metric" })
          }
          const next: Metric = { ...patch(current, input), updatedAt: yield* nowIso }
          yield* checkProperty(next)
          return yield* repo.update(next).pipe(Effect.mapError(duplicateCode))
        })
      )
    })

    const list = traced("Metrics.list")(function*(page: PageRequest) {
      return yield* repo.list(page)
    })

    return { create, get, resolve, update, list } as const
  })
}) {}
