/**
 * The REST test clock: test-mode time follows real time until first advanced, then stands still
 * between advances. Requests in test mode run with Effect's Clock set to it, so every service
 * (which reads time only from the Clock) sees test time.
 */
import { Clock, DateTime, Effect, Option } from "effect"
import type { Duration } from "effect"
import { TestClock } from "./domain/Clock.js"
import { Conflict, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import * as Collections from "../kernel/Collections.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { isoAt } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"

/** A Clock standing at `ms`; sleeping still takes real time. */
export const fixedClock = (ms: number, underlying: Clock.Clock): Clock.Clock => ({
  [Clock.ClockTypeId]: Clock.ClockTypeId,
  unsafeCurrentTimeMillis: () => ms,
  unsafeCurrentTimeNanos: () => BigInt(ms) * 1_000_000n,
  currentTimeMillis: Effect.succeed(ms),
  currentTimeNanos: Effect.succeed(BigInt(ms) * 1_000_000n),
  sleep: (duration: Duration.Duration) => underlying.sleep(duration)
})

/** Runs `self` with the Clock standing at `ms`. */
export const atInstant = <A, E, R>(ms: number) => (self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.clock, (clock) => Effect.withClock(self, fixedClock(ms, clock)))

export const epochMs = (iso: string): number => DateTime.toEpochMillis(DateTime.unsafeMake(iso))

export class TestClocks extends Effect.Service<TestClocks>()("@billkit/core/TestClocks", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const repo = yield* makeRepository(Collections.Clocks, TestClock, { resource: "test clock", index: (c) => ({ name: c.name }) })

    /** Where test time stands for the current tenant, if its clock was ever advanced. */
    const frozenAt: Effect.Effect<Option.Option<number>, never, CurrentTenant> = Effect.flatMap(CurrentTenant, (tenant) =>
      tenant.mode === "live" ? Effect.succeedNone : Effect.map(repo.findBy("name", "test"), Option.map((c) => epochMs(c.now)))
    )

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

    /** Moves test time to `to` (never back) and freezes it there; returns the previous instant. */
    const moveTo = traced("TestClocks.moveTo")(function*(to: number) {
      yield* requireTestMode
      return yield* repo.transaction(Effect.gen(function*() {
        const existing = yield* repo.findBy("name", "test")
        const from = Option.isSome(existing) ? epochMs(existing.value.now) : yield* Clock.currentTimeMillis
        if (to < from) {
          return yield* new Conflict({ field: "to", message: `test time is ${isoAt(from)} and never moves back` })
        }
        if (Option.isSome(existing)) {
          const locked = yield* repo.get(existing.value.id, true).pipe(Effect.orDie)
          if (to < epochMs(locked.now)) return yield* new Conflict({ field: "to", message: `test time is ${locked.now} and never moves back` })
          yield* repo.update({ ...locked, now: isoAt(to) }).pipe(Effect.orDie)
        } else {
          yield* repo.insert({ id: yield* ids.next("clock"), object: "test_clock", name: "test", now: isoAt(to) }).pipe(
            Effect.catchTag("UniqueViolation", () => new Conflict({ field: "to", message: "the test clock moved concurrently; retry" }))
          )
        }
        return from
      }))
    })

    return { frozenAt, withTenantClock, view, moveTo } as const
  })
}) {}
