/**
 * Each aggregation method, from rollups, with hand-computed values. The customers here have no
 * subscription, so their usage periods are calendar months (UTC).
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "../billing/context.js"
import { metric, post, usageOf } from "./helpers.js"

export const aggregationScenarios = (ctx: ScenarioContext) =>
  describe("aggregations", () => {
    it("count with inclusive and exclusive filters; sum and max of a property, falling back to value", async () => {
      const h = await ctx.harness("2024-03-10T12:00:00Z")
      const { id: customer } = await h.customer({}, null)
      await metric(h, {
        code: "requests",
        name: "Requests",
        aggregation_method: "count",
        filters: [
          { property: "region", value: "eu", type: "inclusive" },
          { property: "region", value: "us", type: "inclusive" },
          { property: "tier", value: "free", type: "exclusive" }
        ]
      })
      await metric(h, { code: "bytes", name: "Bytes", aggregation_method: "sum", aggregation_property: "bytes" })
      await metric(h, { code: "peak", name: "Peak", aggregation_method: "max", aggregation_property: "bytes" })
      const result = await post(h, [
        // requests: region eu or us, and not tier free.
        { event_id: "r1", customer, code: "requests", properties: { region: "eu" } }, // counted
        { event_id: "r2", customer, code: "requests", properties: { region: "us" } }, // counted
        { event_id: "r3", customer, code: "requests", properties: { region: "ap" } }, // no inclusive filter matches
        { event_id: "r4", customer, code: "requests", properties: { region: "eu", tier: "free" } }, // excluded
        { event_id: "r5", customer, code: "requests" }, // no region
        { event_id: "r6", customer, code: "requests", properties: { region: "us", tier: "pro" } }, // counted
        // bytes: 1500 + 2500.5 + 4 (value) + 0.25 (value) = 4004.75
        { event_id: "b1", customer, code: "bytes", properties: { bytes: 1500 } },
        { event_id: "b2", customer, code: "bytes", properties: { bytes: "2500.5" } },
        { event_id: "b3", customer, code: "bytes", value: 4 },
        { event_id: "b4", customer, code: "bytes", value: "0.25", properties: { other: 1 } },
        { event_id: "b5", customer, code: "bytes", properties: { bytes: "lots" } }, // refused: not a number
        // peak: max(10, 99.5, 42, −3) = 99.5
        { event_id: "p1", customer, code: "peak", properties: { bytes: 10 } },
        { event_id: "p2", customer, code: "peak", properties: { bytes: "99.5" } },
        { event_id: "p3", customer, code: "peak", properties: { bytes: 42 } },
        { event_id: "p4", customer, code: "peak", value: -3 }
      ])
      expect(result).toEqual({
        object: "usage_event_result",
        accepted: 14,
        duplicates: 0,
        rejected: [{ index: 10, field: "properties.bytes", message: expect.stringContaining("must be a number") }]
      })
      expect((await usageOf(h, customer, "requests")).value).toBe("3")
      expect((await usageOf(h, customer, "bytes")).value).toBe("4004.75")
      const peak = await usageOf(h, customer, "peak")
      expect(peak.value).toBe("99.5")
      // Calendar month without a subscription.
      expect(peak.periods).toEqual([{ start: "2024-03-01T00:00:00.000Z", end: "2024-04-01T00:00:00.000Z", value: "99.5" }])
    })

    it("unique_count counts each distinct value once, across batches", async () => {
      const h = await ctx.harness("2024-03-10T12:00:00Z")
      const { id: customer } = await h.customer({}, null)
      await metric(h, { code: "users", name: "Active users", aggregation_method: "unique_count", aggregation_property: "user" })
      // {a, b}: a twice in one batch.
      await post(h, ["a", "b", "a"].map((user, i) => ({ event_id: `u${i}`, customer, code: "users", properties: { user } })))
      expect((await usageOf(h, customer, "users")).value).toBe("2")
      // b again, c new, 7 (a number) new, one event without the property: {a, b, c, 7} = 4.
      await post(h, [
        { event_id: "u3", customer, code: "users", properties: { user: "b" } },
        { event_id: "u4", customer, code: "users", properties: { user: "c" } },
        { event_id: "u5", customer, code: "users", properties: { user: 7 } },
        { event_id: "u6", customer, code: "users" }
      ])
      expect((await usageOf(h, customer, "users")).value).toBe("4")
      // "7" is the same value as 7.
      await post(h, [{ event_id: "u7", customer, code: "users", properties: { user: "7" } }])
      expect((await usageOf(h, customer, "users")).value).toBe("4")
    })

    it("latest follows event time: a late event with an earlier timestamp does not replace it", async () => {
      const h = await ctx.harness("2024-03-20T00:00:00Z")
      const { id: customer } = await h.customer({}, null)
      await metric(h, { code: "temperature", name: "Temperature", aggregation_method: "latest", aggregation_property: "celsius" })
      const at = (day: number) => `2024-03-${String(day).padStart(2, "0")}T00:00:00Z`
      const event = (id: string, day: number, celsius: number) => ({ event_id: id, customer, code: "temperature", timestamp: at(day), properties: { celsius } })
      await post(h, [event("t1", 10, 5), event("t2", 15, 7)])
      expect((await usageOf(h, customer, "temperature")).value).toBe("7")
      await post(h, [event("t3", 12, 100)]) // arrives late, happened earlier
      expect((await usageOf(h, customer, "temperature")).value).toBe("7")
      await post(h, [event("t4", 15, 8)]) // same instant as t2, received later: wins
      expect((await usageOf(h, customer, "temperature")).value).toBe("8")
      await post(h, [event("t5", 19, 2)])
      expect((await usageOf(h, customer, "temperature")).value).toBe("2")
    })

    it("weighted_sum weighs increments by the time left in the period and carries the level into the next", async () => {
      // April 2024 has 30 days, May 31.
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      const { id: customer } = await h.customer({}, null)
      await metric(h, { code: "seats", name: "Seats", aggregation_method: "weighted_sum", aggregation_property: "seats" })
      const seats = (id: string, n: number, timestamp?: string) =>
        ({ event_id: id, customer, code: "seats", properties: { seats: n }, ...(timestamp ? { timestamp } : {}) })

      await post(h, [seats("s1", 10)]) // 1 Apr 00:00: +10, held all 30 days
      await h.advance("2024-04-16T00:00:00Z")
      await post(h, [seats("s2", 6)]) // 16 Apr: +6 for the last 15 of 30 days
      // April: 10 × 30/30 + 6 × 15/30 = 10 + 3 = 13
      expect((await usageOf(h, customer, "seats")).value).toBe("13")

      await h.advance("2024-05-21T00:00:00Z")
      await post(h, [seats("s3", -3.1)]) // 21 May: −3.1 for the last 11 of 31 days
      // May starts at the level April ended with, 16: 16 − 3.1 × 11/31 = 16 − 1.1 = 14.9
      expect((await usageOf(h, customer, "seats")).value).toBe("14.9")

      // A late +1 on 20 Apr (31 days ago): April gains 1 × 11/30 = 0.3666…, rounded once to 12
      // decimals: 13.366666666667; May now starts at 17: 17 − 1.1 = 15.9.
      await post(h, [seats("s4", 1, "2024-04-20T00:00:00Z")])
      const both = await usageOf(h, customer, "seats", "&from=2024-04-01T00:00:00Z&to=2024-05-21T00:00:00Z")
      expect(both.periods).toEqual([
        { start: "2024-04-01T00:00:00.000Z", end: "2024-05-01T00:00:00.000Z", value: "13.366666666667" },
        { start: "2024-05-01T00:00:00.000Z", end: "2024-06-01T00:00:00.000Z", value: "15.9" }
      ])
      // Over both (61 days): (13.366666666667 × 30 + 15.9 × 31) / 61 = (401.00000000001 + 492.9) / 61
      // = 893.90000000001 / 61 = 14.654098360656…
      expect(both.value).toBe("14.654098360656")

      // June, without events: the level held all month, 17 − 3.1 = 13.9.
      await h.advance("2024-06-05T00:00:00Z")
      expect((await usageOf(h, customer, "seats")).value).toBe("13.9")
    })
  })
