/**
 * A clock the test turns by hand: `billkit({ clock })` reads it for every instant it stamps, and
 * `advance(ms)` moves it. Sleeps still take real time, so timeouts and retries behave as in
 * production while the billing instants stay where the test put them.
 */
import { Clock, type Duration, Effect } from "effect"

export interface TurnedClock {
  readonly clock: Clock.Clock
  /** Moves the clock forward by `ms`. */
  readonly advance: (ms: number) => void
}

export const turnedClock = (start: number): TurnedClock => {
  let now = start
  const real = Clock.make()
  const clock: Clock.Clock = {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now,
    unsafeCurrentTimeNanos: () => BigInt(now) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => now),
    currentTimeNanos: Effect.sync(() => BigInt(now) * 1_000_000n),
    sleep: (duration: Duration.Duration) => real.sleep(duration)
  }
  return { clock, advance: (ms) => void (now += ms) }
}
