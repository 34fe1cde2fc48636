/** Features: what a plan grants, checked by the host app by `code`. */
import { Effect, Option } from "effect"
import { Conflict } from "../kernel/Errors.js"
import type { FeatureCreate, FeatureUpdate } from "./domain/Feature.js"
import { Feature } from "./domain/Feature.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { patch } from "../kernel/Patch.js"
import { makeRepository } from "../kernel/Repository.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { FeatureRecords } from "./domain/Records.js"

const duplicateCode = () => new Conflict({ field: "code", message: "A feature with this code already exists" })

export class Features extends Effect.Service<Features>()("@billkit/core/Features", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(FeatureRecords)

    const create = traced("Features.create")(function*(input: FeatureCreate) {
      const now = yield* nowIso
      const feature: Feature = {
        id: yield* ids.next("feature"),
        object: "feature",
        code: input.code,
        name: input.name,
        description: input.description ?? null,
        createdAt: now,
        updatedAt: now
      }
      return yield* repo.insert(feature).pipe(Effect.mapError(duplicateCode))
    })

    const update = traced("Features.update")(function*(id: string, input: FeatureUpdate) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const current = yield* repo.get(id, true)
          return yield* repo.update({ ...patch(current, input), updatedAt: yield* nowIso }).pipe(Effect.mapError(duplicateCode))
        })
      )
    })

    /** A feature by id (`feat_…`) or by code. */
    const resolve = (ref: string) =>
      ref.startsWith("feat_") ? repo.find(ref) : repo.findBy("code", ref)

    const list = traced("Features.list")(function*(page: PageRequest) {
      return yield* repo.list(page)
    })

    return { create, get: repo.get, update, list, resolve: (ref: string) => Effect.map(resolve(ref), Option.getOrUndefined) } as const
  })
}) {}
