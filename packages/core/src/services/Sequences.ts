/**
 * Gapless counters per tenant (invoice numbers). The next value is taken inside the caller's
 * transaction with the counter row locked, so a rollback gives the number back and two
 * concurrent finalizations never share or skip one.
 */
import { Effect, Option, Schema } from "effect"
import { Id } from "../domain/Ids.js"
import { IdGenerator } from "../ports/IdGenerator.js"
import * as Collections from "../storage/Collections.js"
import { makeRepository } from "./Repository.js"
import { traced } from "./Traced.js"

const Sequence = Schema.Struct({
  id: Id("sequence"),
  object: Schema.Literal("sequence"),
  name: Schema.String,
  value: Schema.Int
})
type Sequence = typeof Sequence.Type

export class Sequences extends Effect.Service<Sequences>()("@billkit/core/Sequences", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(Collections.Sequences, Sequence, { resource: "sequence", index: (s) => ({ name: s.name }) })

    /** The next value of `name` (1, 2, 3, …); call it inside a transaction. */
    const next = traced("Sequences.next")(function*(name: string) {
      const existing = yield* repo.findBy("name", name)
      if (Option.isNone(existing)) {
        const first: Sequence = { id: yield* ids.next("sequence"), object: "sequence", name, value: 1 }
        const created = yield* repo.insert(first).pipe(Effect.as(true), Effect.catchTag("UniqueViolation", () => Effect.succeed(false)))
        if (created) return 1
      }
      // Found by name, then locked by id: the locked read returns the latest committed value.
      const found = Option.getOrThrow(yield* repo.findBy("name", name))
      const locked = yield* repo.get(found.id, true).pipe(Effect.orDie)
      yield* repo.update({ ...locked, value: locked.value + 1 }).pipe(Effect.orDie)
      return locked.value + 1
    })

    return { next } as const
  })
}) {}
