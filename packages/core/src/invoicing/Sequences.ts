/**
 * Gapless counters per tenant (invoice numbers). The next value is taken inside the caller's
 * transaction with the counter row locked, so a rollback gives the number back and two
 * concurrent finalizations never share or skip one.
 */
import { Effect, Option } from "effect"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { makeRepository } from "../kernel/Repository.js"
import { memoForRun } from "../kernel/RunMemo.js"
import { traced } from "../kernel/Traced.js"
import { type Sequence, SequenceRecords } from "./domain/Records.js"

export class Sequences extends Effect.Service<Sequences>()("@billkit/core/Sequences", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(SequenceRecords)

    /** The counter row of `name`, created at 0 if missing (a concurrent creator's row wins). */
    const rowId = (name: string) =>
      Effect.gen(function*() {
        const existing = yield* repo.findBy("name", name)
        if (Option.isSome(existing)) return existing.value.id
        const fresh: Sequence = { id: yield* ids.next("sequence"), object: "sequence", name, value: 0 }
        const created = yield* repo.insert(fresh).pipe(Effect.as(true), Effect.catchTag("UniqueViolation", () => Effect.succeed(false)))
        return created ? fresh.id : Option.getOrThrow(yield* repo.findBy("name", name)).id
      })

    /** The next value of `name` (1, 2, 3, …); call it inside a transaction. */
    const next = traced("Sequences.next")(function*(name: string) {
      // The row is locked by id: a locked read returns the latest committed value. Its id is
      // memoized for a billing run, unless the row is gone (its creating transaction rolled back).
      const memoized = yield* repo.find(yield* memoForRun(`sequence:${name}`, rowId(name)), true)
      const locked = Option.isSome(memoized) ? memoized.value : yield* repo.get(yield* rowId(name), true).pipe(Effect.orDie)
      yield* repo.update({ ...locked, value: locked.value + 1 }).pipe(Effect.orDie)
      return locked.value + 1
    })

    return { next } as const
  })
}) {}
