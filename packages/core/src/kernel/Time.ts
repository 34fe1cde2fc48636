/**
 * Time as the rest of the code stores it: ISO 8601 UTC strings ↔ epoch milliseconds (`isoAt`,
 * `msOf`), and the current time as such a string, always read through Effect's Clock so that
 * TestClock and the test clock move it.
 */
import { Clock, DateTime, Effect } from "effect"
import type { Duration } from "effect"

const DAY = 86_400_000
const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`)
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`)
let isoDay = Number.NaN
let isoPrefix = ""

/**
 * ISO 8601 UTC with milliseconds, exactly as DateTime.formatIso writes it. Fast: the date part is
 * formatted once per day, since timestamps formatted one after another mostly share one (usage
 * ingestion runs this for every event).
 */
export const isoAt = (ms: number): string => {
  const day = Math.floor(ms / DAY)
  // Whole milliseconds in years 0000–9999 only; anything else the slow, general way.
  if (!Number.isInteger(ms) || day < -719_528 || day > 2_932_896) return DateTime.formatIso(DateTime.unsafeMake(ms))
  if (day !== isoDay) {
    isoPrefix = DateTime.formatIso(DateTime.unsafeMake(day * DAY)).slice(0, 11)
    isoDay = day
  }
  const rest = ms - day * DAY
  return `${isoPrefix}${pad2(Math.floor(rest / 3_600_000))}:${pad2(Math.floor(rest / 60_000) % 60)}:${pad2(Math.floor(rest / 1000) % 60)}.${pad3(rest % 1000)}Z`
}

/** Epoch ms of an ISO 8601 UTC timestamp this code wrote. */
export const msOf = (iso: string): number => Date.parse(iso)

export const nowIso: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, isoAt)

/**
 * The `from`/`to` filters (epoch ms, inclusive) of a time-series list, on the record's own
 * `created_at` (an indexed column), never on the time inside its id: an id may carry another
 * clock's time.
 */
export const createdWithin = (filters: { readonly from?: number | undefined; readonly to?: number | undefined }) =>
  filters.from === undefined && filters.to === undefined
    ? {}
    : {
      range: {
        field: "created_at",
        ...(filters.from === undefined ? {} : { from: isoAt(filters.from) }),
        ...(filters.to === undefined ? {} : { to: isoAt(filters.to) })
      }
    }

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
