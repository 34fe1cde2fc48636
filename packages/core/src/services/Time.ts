/** Wall-clock reads, always through Effect's Clock so TestClock and the test clock move them. */
import { Clock, DateTime, Effect } from "effect"

export const isoAt = (ms: number): string => DateTime.formatIso(DateTime.unsafeMake(ms))

export const nowIso: Effect.Effect<string> = Effect.map(Clock.currentTimeMillis, isoAt)

/**
 * The `from`/`to` filters (epoch ms, inclusive) of a time-series list, on the record's own
 * `created_at` (an indexed column), never on the time inside its id: an id may carry another
 * clock's time (issue #6).
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
