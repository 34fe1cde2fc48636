/**
 * The REST test clock: test-mode time follows real time until first advanced, then stands still
 * between advances. Requests in test mode run with Effect's Clock set to it, so every service
 * (which reads time only from the Clock) sees test time.
 */
import { Clock, Effect, Option } from "effect"
import { maxAdvanceSeconds } from "./domain/Clock.js"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { Storage, type Tenant } from "../kernel/Storage.js"
import { atInstant, isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { TestClockRecords } from "./domain/Records.js"

const maxAdvanceMs = maxAdvanceSeconds * 1000


export class TestClocks extends Effect.Service<TestClocks>()("@billkit/core/TestClocks", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(TestClockRecords)
    const storage = yield* Storage

    /**
     * Every test-mode request asks where its tenant's clock stands. Storage that one process owns
     * (memory, SQLite) changes the clock only through `moveTo` below, so the answer is kept per
     * tenant and replaced when the clock moves; storage shared by processes (Postgres) is asked
     * each time, since another process may move the clock. `generation` keeps a read that raced
     * a move from caching the time the move replaced.
     */
    const cache = storage.sharedAcrossProcesses ? undefined : new Map<string, Option.Option<number>>()
    let generation = 0
    const keyOf = (tenant: Tenant) => `${tenant.projectId}:${tenant.mode}`

    const readFrozenAt = Effect.map(repo.findBy("name", "test"), Option.map((c) => msOf(c.now)))

    /** Where test time stands for the current tenant, if its clock was ever advanced. */
    const frozenAt: Effect.Effect<Option.Option<number>, never, CurrentTenant> = Effect.flatMap(CurrentTenant, (tenant) => {
      if (tenant.mode === "live") return Effect.succeedNone
      if (cache === undefined) return readFrozenAt
      const key = keyOf(tenant)
      const hit = cache.get(key)
      if (hit !== undefined) return Effect.succeed(hit)
      const before = generation
      return Effect.tap(readFrozenAt, (read) => {
        if (generation === before) cache.set(key, read)
      })
    })

    /** Forgets a tenant's cached time around a move, whether the move commits or not. */
    const forget = (tenant: Tenant) =>
      Effect.sync(() => {
        generation++
        cache?.delete(keyOf(tenant))
      })

    /** Runs `self` at the tenant's test time when its clock is frozen. */
    const withTenantClock = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R | CurrentTenant> =>
      Effect.flatMap(frozenAt, Option.match({ onNone: () => self, onSome: (ms) => atInstant<A, E, R>(ms)(self) }))

    const requireTestMode = Effect.flatMap(CurrentTenant, (tenant) =>
      tenant.mode === "test" ? Effect.void : Effect.fail(new NotFound({ resource: "test clock", id: "live mode has no test clock" }))
    )

    const view = traced("TestClocks.view")(function*() {
      yield* requireTestMode
      const frozen = yield* frozenAt
      const now = Option.isSome(frozen) ? frozen.value : yield* Clock.currentTimeMillis
      return { object: "test_clock" as const, now: isoAt(now), frozen: Option.isSome(frozen) }
    })

    /**
     * Moves test time to `target.to`, or forward by `target.seconds` from where it stands (never
     * back), and freezes it there; returns the previous instant and the new one. The current time
     * is read once, inside the transaction, so `{seconds: 0}` lands exactly where time stood even
     * on a clock that ticks between reads.
     */
    const moveTo = traced("TestClocks.moveTo")(function*(target: { readonly to: number } | { readonly seconds: number }) {
      yield* requireTestMode
      const tenant = yield* CurrentTenant
      yield* forget(tenant)
      return yield* Effect.ensuring(repo.transaction(Effect.gen(function*() {
        const existing = yield* repo.findBy("name", "test")
        const locked = Option.isSome(existing) ? Option.some(yield* repo.get(existing.value.id, true).pipe(Effect.orDie)) : Option.none()
        const from = Option.isSome(locked) ? msOf(locked.value.now) : yield* Clock.currentTimeMillis
        const to = "to" in target ? target.to : from + target.seconds * 1000
        if (to < from) {
          return yield* new Conflict({ field: "to", message: `test time is ${isoAt(from)} and never moves back` })
        }
        if (to - from > maxAdvanceMs) {
          return yield* new Invalid({ field: "to", message: `must be at most 20 years after the test clock's time (${isoAt(from)})` })
        }
        if (Option.isSome(locked)) {
          yield* repo.update({ ...locked.value, now: isoAt(to) }).pipe(Effect.orDie)
        } else {
          yield* repo.insert({ id: yield* ids.next("clock"), object: "test_clock", name: "test", now: isoAt(to) }).pipe(
            Effect.catchTag("UniqueViolation", () => new Conflict({ field: "to", message: "the test clock moved concurrently; retry" }))
          )
        }
        return { from, to }
      })), forget(tenant))
    })

    return { frozenAt, withTenantClock, view, moveTo } as const
  })
}) {}
