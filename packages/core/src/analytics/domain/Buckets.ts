/**
 * The intervals a series is cut into, in UTC: days, ISO weeks (Monday to Monday) and calendar
 * months. A bucket is [start, end); the first starts at the interval boundary at or before
 * `from`, the last is the one holding `to`.
 */
export type SeriesInterval = "day" | "week" | "month"

export interface Bucket {
  readonly start: number
  readonly end: number
}

const DAY = 86_400_000

/** The start of the interval holding `ms`. */
export const bucketStart = (ms: number, interval: SeriesInterval): number => {
  const day = Math.floor(ms / DAY) * DAY
  if (interval === "day") return day
  if (interval === "week") {
    // 1970-01-01 was a Thursday: days since the Monday before it, modulo 7.
    const weekday = (Math.floor(ms / DAY) + 3) % 7
    return day - ((weekday + 7) % 7) * DAY
  }
  const d = new Date(day)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)
}

/** The start of the interval after the one starting at `start`. */
export const nextBucketStart = (start: number, interval: SeriesInterval): number => {
  if (interval === "day") return start + DAY
  if (interval === "week") return start + 7 * DAY
  const d = new Date(start)
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)
}

/** At most this many buckets per answer (ten years of weeks; three of days). */
export const maxBuckets = 1100

/** The buckets covering [from, to] (inclusive), or null when there would be more than `maxBuckets`. */
export const bucketsOf = (from: number, to: number, interval: SeriesInterval): ReadonlyArray<Bucket> | null => {
  const out: Array<Bucket> = []
  for (let start = bucketStart(from, interval); start <= to; start = nextBucketStart(start, interval)) {
    if (out.length === maxBuckets) return null
    out.push({ start, end: nextBucketStart(start, interval) })
  }
  return out
}
