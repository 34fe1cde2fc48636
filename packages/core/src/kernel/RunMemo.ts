/**
 * Memoization for the billing loop. Inside a run, catalog objects (plans, prices, products) and
 * counter ids are read once instead of once per subscription; inside one step, the customer is
 * read once, and the subscription is read once then kept as last written. Outside the loop (API
 * commands) nothing is memoized: every read goes to storage.
 */
import { Effect, FiberRef } from "effect"

const runMemo = FiberRef.unsafeMake<Map<string, unknown> | undefined>(undefined)
const stepMemo = FiberRef.unsafeMake<Map<string, unknown> | undefined>(undefined)

const memoIn = (ref: FiberRef.FiberRef<Map<string, unknown> | undefined>) =>
  <A, E, R>(key: string, self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(FiberRef.get(ref), (memo) => {
      if (memo === undefined) return self
      if (memo.has(key)) return Effect.succeed(memo.get(key) as A)
      return Effect.tap(self, (a) => memo.set(key, a))
    })

/** Cached for the whole loop run: only for records a run never changes (catalog). */
export const memoForRun = memoIn(runMemo)
/** Cached for one step of the loop. */
export const memoForStep = memoIn(stepMemo)

/** Replaces what `memoForStep(key, …)` returns for the rest of the step (a write-through). */
export const rememberForStep = (key: string, value: unknown): Effect.Effect<void> =>
  Effect.map(FiberRef.get(stepMemo), (memo) => {
    memo?.set(key, value)
  })

export const withRunMemo = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => Effect.locally(self, runMemo, new Map()))

export const withStepMemo = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.suspend(() => Effect.locally(self, stepMemo, new Map()))
