/**
 * Usage rollups: a metric's running aggregate for one customer and period, updated as events
 * arrive, so that reading a period's quantity costs the same at 10 events and at 10 million.
 * Plain functions and the stored shapes: exact decimals, rollup keys and periods, what a batch of
 * events adds to each rollup (`groupEvents`), applying it, and a rollup's quantity under each
 * aggregation method. The UsageRollups service does the storage.
 *
 * A period rollup keeps every aggregate at once (count, sum, max, latest, distinct count and the
 * time-weighted numerator), in exact decimals. `weighted_sum` needs one more record per customer
 * and metric, the level: the running total of all increments ever, with each period's share, so
 * that the level held at any period start is known without reading earlier periods.
 *
 * weighted_sum semantics: event quantities v_i at times t_i are increments of a held amount. The
 * level at the start of a period is the sum of all earlier increments (the end level of the
 * previous period carries over). Over [start, end):
 *
 *     quantity = level(start) + Σ v_i · (end − t_i) / (end − start)
 *
 * which does not depend on the order events arrive in. Σ v_i and Σ v_i · (end − t_i) are kept
 * exactly; the division is rounded once, to 12 decimals, half away from zero.
 */
import { BigDecimal, Schema } from "effect"
import { type AggregationMethod, type Metric, passesFilters } from "../../catalog/domain/index.js"
import type { Period } from "../../kernel/Period.js"
import { periodAt } from "../../kernel/Period.js"
import { isoAt, msOf } from "../../kernel/Time.js"

// ---------------------------------------------------------------------------------------------
// Exact decimals as plain strings.

export const zero = BigDecimal.fromBigInt(0n)

/** A decimal string this module wrote, or an input already checked: never fails on those. */
const decimal = (s: string): BigDecimal.BigDecimal => BigDecimal.unsafeFromString(s)

/** A decimal without exponent notation ("0.0000001", "1200"), as stored and answered. */
export const plain = (n: BigDecimal.BigDecimal): string => {
  const { scale, value } = BigDecimal.normalize(n)
  if (scale <= 0) return (value * 10n ** BigInt(-scale)).toString()
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(scale + 1, "0")
  return `${negative ? "-" : ""}${digits.slice(0, -scale)}.${digits.slice(-scale)}`
}

/** numerator / denominator (an integer > 0), rounded to `scale` decimals, half away from zero. */
export const divideRounded = (numerator: BigDecimal.BigDecimal, denominator: bigint, scale = 12): BigDecimal.BigDecimal => {
  const n = BigDecimal.normalize(numerator)
  // numerator = n.value · 10^-n.scale; result · 10^scale = n.value · 10^(scale - n.scale) / denominator
  const shift = scale - n.scale
  let top = n.value
  let bottom = denominator
  if (shift >= 0) top *= 10n ** BigInt(shift)
  else bottom *= 10n ** BigInt(-shift)
  const negative = top < 0n
  const abs = negative ? -top : top
  let q = abs / bottom
  if ((abs % bottom) * 2n >= bottom) q += 1n
  return BigDecimal.make(negative ? -q : q, scale)
}

const decimalPattern = /^-?\d{1,20}(\.\d{1,12})?$/

/**
 * Quantities while a batch is summed: integers of 10⁻¹² units (every accepted quantity has at most
 * 12 decimals), so that adding a thousand of them is bigint arithmetic, exact and quick.
 */
const quantityScale = 12
/** 1 in 10⁻¹² units: also an event's default value. */
export const unitsPerOne = 10n ** BigInt(quantityScale)

/** A number or decimal string (at most 20 digits and 12 decimals) in 10⁻¹² units. */
export const parseScaled = (input: unknown): bigint | undefined => {
  // The common case, a whole number (a token count): no text to build and parse.
  if (typeof input === "number" && Number.isSafeInteger(input)) return BigInt(input) * unitsPerOne
  const text = typeof input === "number" ? (Number.isFinite(input) ? String(input) : "") : typeof input === "string" ? input.trim() : ""
  if (!decimalPattern.test(text)) return undefined
  const negative = text.charCodeAt(0) === 45
  const body = negative ? text.slice(1) : text
  const dot = body.indexOf(".")
  const units = BigInt(dot === -1 ? `${body}000000000000` : `${body.slice(0, dot)}${body.slice(dot + 1).padEnd(quantityScale, "0")}`)
  return negative ? -units : units
}

export const fromScaled = (units: bigint): BigDecimal.BigDecimal => BigDecimal.make(units, quantityScale)

// ---------------------------------------------------------------------------------------------
// Periods.

/** The calendar month (UTC) containing `t`: usage periods of a customer without a subscription. */
export const calendarMonth = (t: number): Period =>
  // Monthly periods anchored at 1970-01-01T00:00Z are the calendar months.
  periodAt(0, "month", Math.max(0, t))

/** What period math needs of a subscription. */
interface PeriodSource {
  readonly currentPeriodStart: string
  readonly currentPeriodEnd: string
  readonly billingAnchor: string
  readonly interval: "week" | "month" | "year"
  readonly trialStart: string | null
  readonly trialEnd: string | null
}

/**
 * The subscription's period containing `t`: its current period, a period counted from its anchor
 * (before it, or after a renewal the billing loop has not made yet), or its trial. `undefined`
 * when `t` predates the subscription.
 */
export const subscriptionPeriodAt = (s: PeriodSource, t: number): Period | undefined => {
  const start = msOf(s.currentPeriodStart)
  const end = msOf(s.currentPeriodEnd)
  if (start <= t && t < end) return { start, end }
  const anchor = msOf(s.billingAnchor)
  if (t >= anchor) return periodAt(anchor, s.interval, t)
  if (s.trialStart !== null && s.trialEnd !== null) {
    const trial = { start: msOf(s.trialStart), end: msOf(s.trialEnd) }
    if (trial.start <= t && t < trial.end) return trial
  }
  return undefined
}

/** `<customer>:<metric>:<period start>`: one rollup per customer, metric and period. */
export const rollupKey = (customer: string, metric: string, periodStart: number): string =>
  `${customer}:${metric}:${isoAt(periodStart)}`

export const levelKey = (customer: string, metric: string): string => `${customer}:${metric}:level`
export const pendingKey = (customer: string): string => `${customer}:pending`

/** Rollup records have ids derived from their keys, so one keyed read (locking on Postgres) finds them. */
export const rollupId = (key: string): string => `ur_${key}`

// ---------------------------------------------------------------------------------------------
// Stored shapes.

/** What a usage price billed of a rollup, so that later events are billed as the difference. */
export const Billed = Schema.Struct({
  subscription: Schema.String,
  quantity: Schema.String,
  amount: Schema.Int,
  /** The end of the billed period (earlier than the rollup's when a subscription ended early). */
  end: Schema.String,
  at: Schema.String
})
export type Billed = typeof Billed.Type

export const PeriodRollup = Schema.Struct({
  kind: Schema.Literal("period"),
  id: Schema.String,
  key: Schema.String,
  customer: Schema.String,
  metric: Schema.String,
  start: Schema.String,
  end: Schema.String,
  count: Schema.Number,
  /** Σ v_i */
  sum: Schema.String,
  max: Schema.NullOr(Schema.String),
  latest: Schema.NullOr(Schema.Struct({ value: Schema.String, timestamp: Schema.String })),
  /** Distinct values recorded (unique_count). */
  distinct: Schema.Number,
  /** Σ v_i · (end − t_i), t in epoch milliseconds (weighted_sum). */
  weighted: Schema.String,
  /** By price id. */
  billed: Schema.Record({ key: Schema.String, value: Billed }),
  updatedAt: Schema.String
})
export type PeriodRollup = typeof PeriodRollup.Type

/** The level of a weighted_sum metric: Σ of every increment, and each period's share of it. */
export const LevelRollup = Schema.Struct({
  kind: Schema.Literal("level"),
  id: Schema.String,
  key: Schema.String,
  customer: Schema.String,
  metric: Schema.String,
  level: Schema.String,
  /** Ascending by start; the oldest are dropped past `maxLevelPeriods`. */
  periods: Schema.Array(Schema.Struct({ start: Schema.String, delta: Schema.String })),
  updatedAt: Schema.String
})
export type LevelRollup = typeof LevelRollup.Type

/** Rollup keys of a customer billed before a later event changed them: the next invoice adjusts. */
export const PendingAdjustments = Schema.Struct({
  kind: Schema.Literal("pending"),
  id: Schema.String,
  key: Schema.String,
  customer: Schema.String,
  keys: Schema.Array(Schema.String),
  updatedAt: Schema.String
})
export type PendingAdjustments = typeof PendingAdjustments.Type

const maxLevelPeriods = 400

export const emptyPeriodRollup = (customer: string, metric: string, period: Period, now: string): PeriodRollup => {
  const key = rollupKey(customer, metric, period.start)
  return {
    kind: "period", id: rollupId(key), key, customer, metric, start: isoAt(period.start), end: isoAt(period.end),
    count: 0, sum: "0", max: null, latest: null, distinct: 0, weighted: "0", billed: {}, updatedAt: now
  }
}

export const emptyLevel = (customer: string, metric: string, now: string): LevelRollup => {
  const key = levelKey(customer, metric)
  return { kind: "level", id: rollupId(key), key, customer, metric, level: "0", periods: [], updatedAt: now }
}

export const emptyPending = (customer: string, now: string): PendingAdjustments => {
  const key = pendingKey(customer)
  return { kind: "pending", id: rollupId(key), key, customer, keys: [], updatedAt: now }
}

// ---------------------------------------------------------------------------------------------
// Applying events.

/** One counted event, as a rollup sees it: its quantity in 10⁻¹² units, its time in epoch ms. */
interface Contribution {
  readonly quantity: bigint
  readonly timestamp: number
}

/** A batch's changes to one period rollup, accumulated (in 10⁻¹² units) before the one write. */
export interface RollupDelta {
  count: number
  sum: bigint
  max: bigint | undefined
  latest: { value: bigint; timestamp: number } | undefined
  /** Σ v_i · t_i: with the rollup's end it gives Σ v_i · (end − t_i) = end · Σ v_i − Σ v_i · t_i. */
  sumTimed: bigint
  distinct: number
}

export const emptyDelta = (): RollupDelta => ({ count: 0, sum: 0n, max: undefined, latest: undefined, sumTimed: 0n, distinct: 0 })

/** Adds one event to a batch's delta. */
export const addContribution = (delta: RollupDelta, c: Contribution): void => {
  delta.count += 1
  delta.sum += c.quantity
  if (delta.max === undefined || c.quantity > delta.max) delta.max = c.quantity
  // A later event, or one at the same instant received later, becomes the latest.
  if (delta.latest === undefined) delta.latest = { value: c.quantity, timestamp: c.timestamp }
  else if (c.timestamp >= delta.latest.timestamp) {
    // In place: a batch of a thousand events at one instant replaces it a thousand times.
    delta.latest.value = c.quantity
    delta.latest.timestamp = c.timestamp
  }
  delta.sumTimed += c.quantity * BigInt(c.timestamp)
}

/** An event just recorded, resolved to its customer, metric and period: what rollups take in. */
export interface RecordedEvent {
  readonly customer: string
  readonly metric: Metric
  readonly period: Period
  /** In 10⁻¹² units: the event's value, or its aggregation property's. */
  readonly quantity: bigint
  readonly timestamp: number
  readonly properties: Readonly<Record<string, string | number>>
}

/** What a batch adds to one period rollup, and the unique_count values it saw there. */
export interface BatchGroup {
  readonly key: string
  readonly customer: string
  readonly metric: Metric
  readonly period: Period
  readonly delta: RollupDelta
  /** Not yet counted in `delta.distinct`: a value counts only if the rollup never saw it. */
  readonly distinct: Set<string>
}

/**
 * A batch's events by the period rollup they go to, in the order first seen. An event its
 * metric's filters drop goes to none; for unique_count, the aggregation property's value is kept.
 */
export const groupEvents = (events: Iterable<RecordedEvent>): Map<string, BatchGroup> => {
  const groups = new Map<string, BatchGroup>()
  // Consecutive events mostly go to one rollup: its key is made once for them.
  let last: BatchGroup | undefined
  for (const e of events) {
    if (!passesFilters(e.metric.filters, e.properties)) continue
    let group = last !== undefined && last.customer === e.customer && last.metric === e.metric && last.period.start === e.period.start
      ? last
      : undefined
    if (group === undefined) {
      const key = rollupKey(e.customer, e.metric.id, e.period.start)
      group = groups.get(key)
      if (group === undefined) {
        group = { key, customer: e.customer, metric: e.metric, period: e.period, delta: emptyDelta(), distinct: new Set() }
        groups.set(key, group)
      }
      last = group
    }
    addContribution(group.delta, e)
    if (e.metric.aggregationMethod === "unique_count" && e.metric.aggregationProperty !== null) {
      const raw = e.properties[e.metric.aggregationProperty]
      if (raw !== undefined) group.distinct.add(String(raw))
    }
  }
  return groups
}

export const applyDelta = (rollup: PeriodRollup, delta: RollupDelta, now: string): PeriodRollup => {
  const deltaMax = delta.max === undefined ? undefined : fromScaled(delta.max)
  const max = rollup.max === null ? deltaMax : deltaMax === undefined ? decimal(rollup.max) : BigDecimal.max(decimal(rollup.max), deltaMax)
  const latest = delta.latest === undefined || (rollup.latest !== null && msOf(rollup.latest.timestamp) > delta.latest.timestamp)
    ? rollup.latest
    : { value: plain(fromScaled(delta.latest.value)), timestamp: isoAt(delta.latest.timestamp) }
  const weighted = fromScaled(BigInt(msOf(rollup.end)) * delta.sum - delta.sumTimed)
  return {
    ...rollup,
    count: rollup.count + delta.count,
    sum: plain(BigDecimal.sum(decimal(rollup.sum), fromScaled(delta.sum))),
    max: max === undefined ? null : plain(max),
    latest,
    distinct: rollup.distinct + delta.distinct,
    weighted: plain(BigDecimal.sum(decimal(rollup.weighted), weighted)),
    updatedAt: now
  }
}

/** The level with a batch's increments per period start (ISO) added. */
export const applyLevel = (level: LevelRollup, deltas: ReadonlyMap<string, BigDecimal.BigDecimal>, now: string): LevelRollup => {
  const periods = new Map(level.periods.map((p) => [p.start, decimal(p.delta)] as const))
  let total = decimal(level.level)
  for (const [start, delta] of deltas) {
    periods.set(start, BigDecimal.sum(periods.get(start) ?? zero, delta))
    total = BigDecimal.sum(total, delta)
  }
  const sorted = [...periods.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(-maxLevelPeriods)
  return { ...level, level: plain(total), periods: sorted.map(([start, delta]) => ({ start, delta: plain(delta) })), updatedAt: now }
}

/** The level held at `start` (ISO): every increment ever, less those of periods from `start` on. */
const levelAt = (level: LevelRollup | undefined, start: string): BigDecimal.BigDecimal => {
  if (level === undefined) return zero
  let total = decimal(level.level)
  for (const p of level.periods) if (p.start >= start) total = BigDecimal.subtract(total, decimal(p.delta))
  return total
}

/**
 * A rollup's quantity under an aggregation method, for the period [start, end). `end` may be
 * earlier than the rollup's (a subscription that ended mid-period): weighted_sum then weighs
 * over the shorter span. A missing rollup is a period without events.
 */
export const quantityOf = (
  method: AggregationMethod,
  rollup: PeriodRollup | undefined,
  period: Period,
  level: LevelRollup | undefined
): BigDecimal.BigDecimal => {
  switch (method) {
    case "count":
      return BigDecimal.fromBigInt(BigInt(rollup?.count ?? 0))
    case "sum":
      return rollup === undefined ? zero : BigDecimal.normalize(decimal(rollup.sum))
    case "max":
      return rollup?.max == null ? zero : BigDecimal.normalize(decimal(rollup.max))
    case "latest":
      return rollup?.latest == null ? zero : BigDecimal.normalize(decimal(rollup.latest.value))
    case "unique_count":
      return BigDecimal.fromBigInt(BigInt(rollup?.distinct ?? 0))
    case "weighted_sum": {
      const start = isoAt(period.start)
      const held = levelAt(level, start)
      const span = period.end - period.start
      if (rollup === undefined || span <= 0) return BigDecimal.normalize(held)
      // Σ v_i·(end' − t_i) = Σ v_i·(end − t_i) − Σ v_i·(end − end') for a period cut short at end'.
      const cut = msOf(rollup.end) - period.end
      const weighted = BigDecimal.subtract(decimal(rollup.weighted), BigDecimal.multiply(decimal(rollup.sum), BigDecimal.fromBigInt(BigInt(cut))))
      const numerator = BigDecimal.sum(BigDecimal.multiply(held, BigDecimal.fromBigInt(BigInt(span))), weighted)
      return BigDecimal.normalize(divideRounded(numerator, BigInt(span)))
    }
  }
}

/** Charge models take no negative quantity: a period whose increments net below zero charges 0. */
export const chargeable = (quantity: BigDecimal.BigDecimal): BigDecimal.BigDecimal =>
  BigDecimal.isNegative(quantity) ? zero : quantity
