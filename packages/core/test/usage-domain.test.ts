/**
 * Usage's pure parts, without storage: decoding events (the fast path against the Schema), the
 * rollup arithmetic, and how a batch's events group into rollups.
 */
import { BigDecimal, DateTime, Either } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { quantityOf, emptyPeriodRollup, applyDelta, addContribution, emptyDelta, emptyLevel, applyLevel, fromScaled, groupEvents, parseScaled, rollupKey } from "../src/usage/domain/UsageRollup.js"
import type { Metric } from "../src/catalog/domain/index.js"
import { isoAt } from "../src/kernel/Time.js"
import { fastDecode, schemaDecode } from "../src/usage/EventDecoding.js"

describe("event decoding", () => {
  it("the fast path accepts only what the Schema accepts, with the same result (property)", () => {
    const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("", "12.5", "-3", "1e3", "2024-03-01T00:00:00Z", "1709251200", "x".repeat(256), "x".repeat(501)))
    const scalar = fc.oneof(text, fc.integer(), fc.double(), fc.constantFrom(null, true, 1e21, Number.NaN), fc.constant(undefined))
    const properties = fc.oneof(
      fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom("", "k".repeat(101))), scalar, { maxKeys: 4 }),
      fc.array(fc.integer(), { maxLength: 2 }),
      scalar
    )
    const event = fc.record({
      event_id: scalar,
      customer: scalar,
      subscription: scalar,
      code: scalar,
      value: scalar,
      properties,
      timestamp: scalar,
      extra: scalar
    }, { requiredKeys: [] }).map((e) => JSON.parse(JSON.stringify(e)))
    fc.assert(fc.property(fc.oneof(event, scalar), (raw) => {
      const fast = fastDecode(raw)
      if (fast === undefined) return
      const slow = schemaDecode(raw)
      expect(Either.isRight(slow), JSON.stringify(raw)).toBe(true)
      expect(Either.getOrThrow(slow)).toEqual(fast)
    }), { numRuns: 2000 })
    // And the common case does take it.
    expect(fastDecode({ event_id: "e", customer: "cus_1", code: "calls", value: "2.5", properties: { n: 1 }, timestamp: 1709251200 }))
      .toEqual({ eventId: "e", customer: "cus_1", subscription: undefined, code: "calls", value: "2.5", properties: { n: 1 }, timestamp: 1709251200000 })
  })
})

describe("rollup math", () => {
  it("reads a whole number as its text would read (property)", () => {
    fc.assert(fc.property(fc.maxSafeInteger(), (n) => {
      expect(parseScaled(n)).toBe(BigInt(n) * 10n ** 12n)
      expect(parseScaled(n)).toBe(parseScaled(String(n)))
    }))
    expect(parseScaled(-0)).toBe(0n)
    expect(parseScaled(2.5)).toBe(2_500_000_000_000n)
    expect([parseScaled(Number.NaN), parseScaled(Infinity), parseScaled(1e21), parseScaled(1e-13)]).toEqual([undefined, undefined, undefined, undefined])
  })

  it("formats instants as DateTime.formatIso does", () => {
    for (const ms of [0, 1, 999, 86_399_999, 951_782_400_000, 1_709_164_800_123, 1_735_689_599_999, 253_402_300_799_999, -1, -86_400_001]) {
      expect(isoAt(ms), String(ms)).toBe(DateTime.formatIso(DateTime.unsafeMake(ms)))
    }
  })

  it("weighted_sum over a period cut short weighs over the shorter span", () => {
    // [0, 100 ms): level 2 at the start; +4 at t = 20; −1 at t = 60.
    const period = { start: 0, end: 100 }
    const delta = emptyDelta()
    // Quantities in 10⁻¹² units.
    addContribution(delta, { quantity: 4n * 10n ** 12n, timestamp: 20 })
    addContribution(delta, { quantity: -1n * 10n ** 12n, timestamp: 60 })
    const rollup = applyDelta(emptyPeriodRollup("cus_1", "met_1", period, "x"), delta, "x")
    const level = applyLevel(emptyLevel("cus_1", "met_1", "x"), new Map([["1969-12-31T00:00:00.000Z", BigDecimal.unsafeFromString("2")], [rollup.start, fromScaled(delta.sum)]]), "x")
    // Whole period: 2 + (4 × 80 − 1 × 40) / 100 = 2 + 2.8 = 4.8
    expect(BigDecimal.format(quantityOf("weighted_sum", rollup, period, level))).toBe("4.8")
    // Cut at 80 (a subscription ended; no event after it): 2 + (4 × 60 − 1 × 20) / 80 = 2 + 2.75 = 4.75
    expect(BigDecimal.format(quantityOf("weighted_sum", rollup, { start: 0, end: 80 }, level))).toBe("4.75")
    // The other methods read the same rollup: count 2, sum 3, max 4, latest −1.
    expect(["count", "sum", "max", "latest"].map((m) => BigDecimal.format(quantityOf(m as any, rollup, period, level)))).toEqual(["2", "3", "4", "-1"])
  })
})

describe("groupEvents", () => {
  const metric = (id: string, aggregationMethod: Metric["aggregationMethod"], aggregationProperty: string | null, filters: Metric["filters"] = []): Metric => ({
    id, object: "metric", code: id, name: id, description: null, aggregationMethod, aggregationProperty, filters, createdAt: "x", updatedAt: "x"
  })
  const jan = { start: Date.parse("2024-01-01T00:00:00Z"), end: Date.parse("2024-02-01T00:00:00Z") }
  const feb = { start: jan.end, end: Date.parse("2024-03-01T00:00:00Z") }
  const units = (n: number) => BigInt(n) * 10n ** 12n

  it("groups by customer, metric and period in first-seen order, skips filtered events, collects unique_count values", () => {
    const sum = metric("met_sum", "sum", "n", [{ property: "region", value: "eu", type: "inclusive" }])
    const users = metric("met_users", "unique_count", "user")
    const event = (customer: string, m: Metric, period: typeof jan, quantity: number, timestamp: number, properties: Record<string, string | number>) =>
      ({ customer, metric: m, period, quantity: units(quantity), timestamp, properties })
    const groups = groupEvents([
      event("cus_b", sum, jan, 2, jan.start + 10, { region: "eu", n: 2 }),
      event("cus_a", users, jan, 1, jan.start + 20, { user: "u1" }),
      event("cus_b", sum, jan, 3, jan.start + 5, { region: "eu", n: 3 }),
      event("cus_b", sum, jan, 100, jan.start + 6, { region: "us", n: 100 }), // filtered out
      event("cus_a", users, jan, 1, jan.start + 30, { user: "u1" }),
      event("cus_a", users, jan, 1, jan.start + 40, { user: 7 }),
      event("cus_a", users, jan, 1, jan.start + 50, {}), // no value: counted, not distinct
      event("cus_b", sum, feb, 4, feb.start, { region: "eu", n: 4 })
    ])
    expect([...groups.keys()]).toEqual([
      "cus_b:met_sum:2024-01-01T00:00:00.000Z",
      "cus_a:met_users:2024-01-01T00:00:00.000Z",
      "cus_b:met_sum:2024-02-01T00:00:00.000Z"
    ])
    const [b, a, later] = [...groups.values()]
    expect(b).toMatchObject({ customer: "cus_b", metric: sum, period: jan })
    expect(b.delta).toEqual({
      count: 2, sum: units(5), max: units(3), latest: { value: units(2), timestamp: jan.start + 10 },
      sumTimed: units(2) * BigInt(jan.start + 10) + units(3) * BigInt(jan.start + 5), distinct: 0
    })
    expect([...b.distinct]).toEqual([])
    expect(a.delta.count).toBe(4)
    // Values seen, not yet counted: a value counts once its distinct record proves new.
    expect([...a.distinct]).toEqual(["u1", "7"])
    expect(a.delta.distinct).toBe(0)
    expect(later.delta.count).toBe(1)
  })

  it("any sequence of events gives the rollups a plain fold by key gives (property)", () => {
    const metrics = [metric("met_a", "sum", null), metric("met_b", "max", null)]
    // The same metric as a second object: groups go by its id, not by which object carries it.
    const twin = { ...metrics[0]! }
    const event = fc.record({
      customer: fc.constantFrom("cus_1", "cus_2"),
      metric: fc.constantFrom(metrics[0]!, metrics[1]!, twin),
      period: fc.constantFrom(jan, feb),
      quantity: fc.integer({ min: -5, max: 50 }),
      offset: fc.integer({ min: 0, max: 3 })
    }).map((e) => ({ customer: e.customer, metric: e.metric, period: e.period, quantity: units(e.quantity), timestamp: e.period.start + e.offset, properties: {} }))
    fc.assert(fc.property(fc.array(event, { maxLength: 40 }), (events) => {
      const expected = new Map<string, { count: number; sum: bigint; max: bigint | undefined; latest: { value: bigint; timestamp: number } | undefined; sumTimed: bigint }>()
      for (const e of events) {
        const key = rollupKey(e.customer, e.metric.id, e.period.start)
        const d = expected.get(key) ?? { count: 0, sum: 0n, max: undefined, latest: undefined, sumTimed: 0n }
        expected.set(key, {
          count: d.count + 1,
          sum: d.sum + e.quantity,
          max: d.max === undefined || e.quantity > d.max ? e.quantity : d.max,
          latest: d.latest === undefined || e.timestamp >= d.latest.timestamp ? { value: e.quantity, timestamp: e.timestamp } : d.latest,
          sumTimed: d.sumTimed + e.quantity * BigInt(e.timestamp)
        })
      }
      const groups = groupEvents(events)
      expect([...groups.keys()]).toEqual([...expected.keys()])
      for (const [key, group] of groups) expect(group.delta).toEqual({ ...expected.get(key), distinct: 0 })
    }), { numRuns: 500 })
  })

  it("an empty batch, or one its filters drop entirely, touches no rollup", () => {
    const only = metric("met_eu", "count", null, [{ property: "region", value: "eu", type: "inclusive" }])
    expect(groupEvents([]).size).toBe(0)
    expect(groupEvents([{ customer: "cus_1", metric: only, period: jan, quantity: units(1), timestamp: jan.start, properties: {} }]).size).toBe(0)
  })
})
