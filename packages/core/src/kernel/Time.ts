/** Wall-clock reads, always through Effect's Clock so TestClock and the test clock move them. */
import { Clock, DateTime, Effect } from "effect"

export const isoAt = (ms: number): string => DateTime.formatIso(DateTime.unsafeMake(ms))

export const nowIso: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, isoAt)
