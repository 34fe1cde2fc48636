/**
 * Billing periods, all in UTC. A subscription's n-th period starts at `cycleStart(anchor, n)`
 * and ends where period n + 1 starts (end exclusive). Monthly and yearly periods keep the
 * anchor's day of month and time of day, clamped to the month's last day, and are always
 * computed from the anchor, never from the previous period: 31 Jan → 29 Feb → 31 Mar, not
 * 31 Jan → 29 Feb → 29 Mar. Weekly periods are exactly 7 days.
 *
 * Plain integer arithmetic on epoch milliseconds: no Date objects, so no time zone and no clock.
 */

export type Interval = "week" | "month" | "year"

/** A half-open span of time in epoch milliseconds: `start` ≤ t < `end`. */
export interface Period {
  readonly start: number
  readonly end: number
}

const DAY = 86_400_000
const WEEK = 7 * DAY

/** A proleptic Gregorian calendar date; `month` is 1–12. */
interface CivilDate {
  readonly year: number
  readonly month: number
  readonly day: number
}

// Howard Hinnant's days_from_civil / civil_from_days (chrono-Compatible Low-Level Date
// Algorithms): days since 1970-01-01 ↔ y/m/d, exact for any year, in integer arithmetic.
const daysFromCivil = (year: number, month: number, day: number): number => {
  const y = month <= 2 ? year - 1 : year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1 // from 1 March
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

const civilFromDays = (days: number): CivilDate => {
  const z = days + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153) // 0 = March
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day: dayOfYear - Math.floor((153 * mp + 2) / 5) + 1 }
}

const isLeapYear = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

const daysInMonth = (year: number, month: number): number =>
  month === 2 ? (isLeapYear(year) ? 29 : 28) : [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]

/** A month counted from year 0: comparing two of them gives the number of months between. */
const monthIndex = (date: CivilDate): number => date.year * 12 + date.month - 1

const assertInstant = (name: string, value: number): void => {
  if (!Number.isSafeInteger(value)) throw new RangeError(`${name} must be an integer of epoch milliseconds, got ${value}`)
}

const monthsPer = (interval: "month" | "year"): number => (interval === "year" ? 12 : 1)

/**
 * Start of the n-th period (n ≥ 0) counted from the anchor; `cycleStart(anchor, i, 0)` is the
 * anchor itself.
 */
export const cycleStart = (anchor: number, interval: Interval, n: number): number => {
  assertInstant("anchor", anchor)
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`period index must be a non-negative integer, got ${n}`)
  let start: number
  if (interval === "week") {
    start = anchor + n * WEEK
  } else {
    const days = Math.floor(anchor / DAY)
    const timeOfDay = anchor - days * DAY
    const date = civilFromDays(days)
    const target = monthIndex(date) + n * monthsPer(interval)
    const year = Math.floor(target / 12)
    const month = target - year * 12 + 1
    start = daysFromCivil(year, month, Math.min(date.day, daysInMonth(year, month))) * DAY + timeOfDay
  }
  if (!Number.isSafeInteger(start)) throw new RangeError(`period ${n} from ${anchor} is out of range`)
  return start
}

/** The n-th period counted from the anchor: [cycleStart(n), cycleStart(n + 1)). */
export const nthPeriod = (anchor: number, interval: Interval, n: number): Period => ({
  start: cycleStart(anchor, interval, n),
  end: cycleStart(anchor, interval, n + 1)
})

/**
 * Index of the period containing `at`; 0 for any `at` before the anchor. Constant time: the
 * calendar distance estimates n to within one period, then one step corrects it (clamping to a
 * short month can move a start a few days earlier than the naive month count says).
 */
export const periodIndexAt = (anchor: number, interval: Interval, at: number): number => {
  assertInstant("anchor", anchor)
  assertInstant("at", at)
  if (at <= anchor) return 0
  if (interval === "week") return Math.floor((at - anchor) / WEEK)
  const months = monthIndex(civilFromDays(Math.floor(at / DAY))) - monthIndex(civilFromDays(Math.floor(anchor / DAY)))
  let n = Math.max(0, Math.floor(months / monthsPer(interval)))
  while (n > 0 && cycleStart(anchor, interval, n) > at) n--
  while (cycleStart(anchor, interval, n + 1) <= at) n++
  return n
}

/** The period containing `at` (at ≥ anchor); for `at` before the anchor, the first period. */
export const periodAt = (anchor: number, interval: Interval, at: number): Period =>
  nthPeriod(anchor, interval, periodIndexAt(anchor, interval, at))

/** The period after `period`, which must be one of the anchor's periods. */
export const nextPeriod = (anchor: number, interval: Interval, period: Period): Period =>
  nthPeriod(anchor, interval, periodIndexAt(anchor, interval, period.start) + 1)

/** Whether `at` falls in the half-open period. */
export const contains = (period: Period, at: number): boolean => period.start <= at && at < period.end
