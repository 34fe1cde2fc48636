import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { type Interval, contains, cycleStart, nextPeriod, nthPeriod, periodAt, periodIndexAt } from "../src/kernel/Period.js"

const DAY = 86_400_000
/** Month is 1-based here, unlike Date.UTC. */
const utc = (y: number, m: number, d: number, h = 0, mi = 0, s = 0, ms = 0) => Date.UTC(y, m - 1, d, h, mi, s, ms)
const iso = (ms: number) => new Date(ms).toISOString()

/** An independent reference built on Date (tests may use Date; core never does). */
const reference = (anchor: number, interval: Interval, n: number): number => {
  if (interval === "week") return anchor + n * 7 * DAY
  const a = new Date(anchor)
  const months = a.getUTCMonth() + n * (interval === "year" ? 12 : 1)
  const first = new Date(Date.UTC(a.getUTCFullYear(), months, 1))
  const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate()
  return Date.UTC(
    first.getUTCFullYear(), first.getUTCMonth(), Math.min(a.getUTCDate(), lastDay),
    a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds(), a.getUTCMilliseconds()
  )
}

describe("cycleStart", () => {
  it("keeps the anchor's day of month, clamped to short months, always counted from the anchor", () => {
    const anchor = utc(2024, 1, 31)
    expect([0, 1, 2, 3, 4, 12, 13].map((n) => iso(cycleStart(anchor, "month", n)))).toEqual([
      "2024-01-31T00:00:00.000Z",
      "2024-02-29T00:00:00.000Z", // leap year
      "2024-03-31T00:00:00.000Z", // back to the 31st, not the 29th
      "2024-04-30T00:00:00.000Z",
      "2024-05-31T00:00:00.000Z",
      "2025-01-31T00:00:00.000Z",
      "2025-02-28T00:00:00.000Z"
    ])
  })

  it("clamps to 28 February outside leap years", () => {
    const anchor = utc(2025, 1, 31)
    expect(iso(cycleStart(anchor, "month", 1))).toBe("2025-02-28T00:00:00.000Z")
    expect(iso(cycleStart(anchor, "month", 2))).toBe("2025-03-31T00:00:00.000Z")
  })

  it("handles 30th anchors and year boundaries", () => {
    expect(iso(cycleStart(utc(2024, 1, 30), "month", 1))).toBe("2024-02-29T00:00:00.000Z")
    expect(iso(cycleStart(utc(2024, 1, 30), "month", 2))).toBe("2024-03-30T00:00:00.000Z")
    expect(iso(cycleStart(utc(2023, 1, 30), "month", 1))).toBe("2023-02-28T00:00:00.000Z")
    expect(iso(cycleStart(utc(2024, 12, 31), "month", 1))).toBe("2025-01-31T00:00:00.000Z")
    expect(iso(cycleStart(utc(2024, 12, 31), "month", 2))).toBe("2025-02-28T00:00:00.000Z")
    expect(iso(cycleStart(utc(2024, 11, 30), "month", 3))).toBe("2025-02-28T00:00:00.000Z")
  })

  it("keeps 29 February yearly anchors on the 28th until the next leap year", () => {
    const anchor = utc(2024, 2, 29, 9, 15)
    expect([1, 2, 3, 4, 100].map((n) => iso(cycleStart(anchor, "year", n)))).toEqual([
      "2025-02-28T09:15:00.000Z",
      "2026-02-28T09:15:00.000Z",
      "2027-02-28T09:15:00.000Z",
      "2028-02-29T09:15:00.000Z",
      "2124-02-29T09:15:00.000Z"
    ])
    // 2100 is not a leap year (divisible by 100, not by 400); 2400 is.
    expect(iso(cycleStart(anchor, "year", 76))).toBe("2100-02-28T09:15:00.000Z")
    expect(iso(cycleStart(anchor, "year", 376))).toBe("2400-02-29T09:15:00.000Z")
  })

  it("keeps the time of day to the millisecond", () => {
    const anchor = utc(2024, 1, 31, 23, 59, 59, 999)
    expect(iso(cycleStart(anchor, "month", 1))).toBe("2024-02-29T23:59:59.999Z")
    expect(iso(cycleStart(anchor, "year", 1))).toBe("2025-01-31T23:59:59.999Z")
  })

  it("makes weekly periods exactly 7 days", () => {
    const anchor = utc(2024, 3, 28, 10, 30) // across the (irrelevant, UTC) March DST change
    expect(iso(cycleStart(anchor, "week", 1))).toBe("2024-04-04T10:30:00.000Z")
    expect(iso(cycleStart(anchor, "week", 52))).toBe("2025-03-27T10:30:00.000Z")
  })

  it("works before 1970", () => {
    const anchor = utc(1960, 1, 31, 6)
    expect(anchor).toBeLessThan(0)
    expect(iso(cycleStart(anchor, "month", 1))).toBe("1960-02-29T06:00:00.000Z")
    expect(iso(cycleStart(anchor, "month", 2))).toBe("1960-03-31T06:00:00.000Z")
  })

  it("refuses a negative or fractional index and a non-integer anchor", () => {
    expect(() => cycleStart(0, "month", -1)).toThrow(RangeError)
    expect(() => cycleStart(0, "month", 1.5)).toThrow(RangeError)
    expect(() => cycleStart(0.5, "month", 1)).toThrow(RangeError)
    expect(() => periodAt(0, "month", Number.NaN)).toThrow(RangeError)
  })
})

describe("periodAt", () => {
  const anchor = utc(2024, 1, 31, 12)

  it("finds the period containing an instant, end exclusive", () => {
    expect(periodAt(anchor, "month", utc(2024, 3, 15))).toEqual({ start: utc(2024, 2, 29, 12), end: utc(2024, 3, 31, 12) })
    expect(periodAt(anchor, "month", utc(2024, 3, 31, 12))).toEqual({ start: utc(2024, 3, 31, 12), end: utc(2024, 4, 30, 12) })
    expect(periodAt(anchor, "month", utc(2024, 3, 31, 12) - 1)).toEqual({ start: utc(2024, 2, 29, 12), end: utc(2024, 3, 31, 12) })
    expect(periodIndexAt(anchor, "month", utc(2024, 3, 31, 12))).toBe(2)
    expect(periodAt(anchor, "month", anchor)).toEqual(nthPeriod(anchor, "month", 0))
  })

  it("answers the first period for instants before the anchor", () => {
    expect(periodIndexAt(anchor, "week", anchor - 10 * DAY)).toBe(0)
    expect(periodAt(anchor, "year", utc(2000, 1, 1))).toEqual({ start: anchor, end: utc(2025, 1, 31, 12) })
  })

  it("steps to the next period", () => {
    const feb = periodAt(anchor, "month", utc(2024, 2, 29, 12))
    expect(nextPeriod(anchor, "month", feb)).toEqual({ start: utc(2024, 3, 31, 12), end: utc(2024, 4, 30, 12) })
    const week = periodAt(anchor, "week", anchor + 3 * DAY)
    expect(nextPeriod(anchor, "week", week)).toEqual({ start: anchor + 7 * DAY, end: anchor + 14 * DAY })
  })

  it("is constant time: a period 270 000 years out answers at once", () => {
    // A loop from the anchor would step through 14 million weeks or 3.3 million months here.
    const far = 8_640_000_000_000_000 // 13 September 275760, the last instant a Date can hold
    const start = performance.now()
    const weekly = periodAt(0, "week", far)
    const monthly = periodAt(utc(1970, 1, 31), "month", far)
    expect(performance.now() - start).toBeLessThan(50)
    expect(contains(weekly, far) && contains(monthly, far)).toBe(true)
    expect(weekly.start % (7 * DAY)).toBe(0)
    expect(iso(monthly.start)).toBe("+275760-08-31T00:00:00.000Z")
  })
})

const intervals = fc.constantFrom<Interval>("week", "month", "year")
// 1900–2200, any millisecond: covers leap centuries and anchors on the 29th–31st often enough.
const anchors = fc.integer({ min: utc(1900, 1, 1), max: utc(2200, 1, 1) })

describe("period properties", () => {
  it("agrees with an independent Date-based reference", () => {
    fc.assert(
      fc.property(anchors, intervals, fc.integer({ min: 0, max: 1200 }), (anchor, interval, n) => {
        expect(cycleStart(anchor, interval, n)).toBe(reference(anchor, interval, n))
      }),
      { numRuns: 2000 }
    )
  })

  it("agrees with the reference on month-end anchors", () => {
    const monthEnds = fc.tuple(fc.integer({ min: 1900, max: 2200 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 28, max: 31 }), fc.integer({ min: 0, max: DAY - 1 }))
      .map(([y, m, d, t]) => utc(y, m, 1) + (Math.min(d, new Date(Date.UTC(y, m, 0)).getUTCDate()) - 1) * DAY + t)
    fc.assert(
      fc.property(monthEnds, fc.constantFrom<Interval>("month", "year"), fc.integer({ min: 0, max: 600 }), (anchor, interval, n) => {
        expect(cycleStart(anchor, interval, n)).toBe(reference(anchor, interval, n))
      }),
      { numRuns: 2000 }
    )
  })

  it("makes contiguous, strictly increasing periods", () => {
    fc.assert(
      fc.property(anchors, intervals, fc.integer({ min: 0, max: 1000 }), (anchor, interval, n) => {
        const here = nthPeriod(anchor, interval, n)
        const next = nthPeriod(anchor, interval, n + 1)
        expect(here.end).toBe(next.start)
        expect(here.start).toBeLessThan(here.end)
        expect(next.start).toBeLessThan(next.end)
        expect(nextPeriod(anchor, interval, here)).toEqual(next)
      })
    )
  })

  it("finds a period that contains the instant, with the matching index", () => {
    fc.assert(
      fc.property(anchors, intervals, fc.integer({ min: 0, max: 300 * 365 * DAY }), (anchor, interval, offset) => {
        const at = anchor + offset
        const period = periodAt(anchor, interval, at)
        expect(contains(period, at)).toBe(true)
        expect(period).toEqual(nthPeriod(anchor, interval, periodIndexAt(anchor, interval, at)))
      }),
      { numRuns: 2000 }
    )
  })

  it("makes months of 28 to 31 days, years of 365 or 366, weeks of 7", () => {
    const bounds = { week: [7, 7], month: [28, 31], year: [365, 366] } as const
    fc.assert(
      fc.property(anchors, intervals, fc.integer({ min: 0, max: 1000 }), (anchor, interval, n) => {
        const { end, start } = nthPeriod(anchor, interval, n)
        const days = (end - start) / DAY
        expect(Number.isInteger(days)).toBe(true)
        expect(days).toBeGreaterThanOrEqual(bounds[interval][0])
        expect(days).toBeLessThanOrEqual(bounds[interval][1])
      })
    )
  })
})
