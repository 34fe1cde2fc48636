/** Ingestion: event_id deduplication (also under concurrent identical posts), batches, bounds. */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "../billing/context.js"
import { many, metric, post, usageOf } from "./helpers.js"

export const ingestionScenarios = (ctx: ScenarioContext) =>
  describe("ingestion", () => {
    it("counts an event_id once: repeated posts and repeats within a batch are duplicates", async () => {
      const h = await ctx.harness("2024-03-10T12:00:00Z")
      const { id: customer } = await h.customer({}, null)
      await metric(h, { code: "calls", name: "Calls", aggregation_method: "count" })
      const one = { event_id: "e1", customer, code: "calls" }
      expect(await h.ok("POST", "/v1/usage-events", one)).toEqual({ object: "usage_event_result", accepted: 1, duplicates: 0, rejected: [] })
      expect(await h.ok("POST", "/v1/usage-events", one)).toEqual({ object: "usage_event_result", accepted: 0, duplicates: 1, rejected: [] })
      expect(await post(h, [one, { ...one, event_id: "e2" }, { ...one, event_id: "e2" }, { ...one, event_id: "e3" }]))
        .toMatchObject({ accepted: 2, duplicates: 2, rejected: [] })
      expect((await usageOf(h, customer, "calls")).value).toBe("3")
      const listed = await h.ok("GET", `/v1/usage-events?customer=${customer}&code=calls&include_total=true`)
      expect(listed.total).toBe(3)
      expect(listed.data.map((e: any) => e.event_id).sort()).toEqual(["e1", "e2", "e3"])
    })

    it("counts each event once when identical batches are posted concurrently", async () => {
      const h = await ctx.harness("2024-03-10T12:00:00Z")
      const { id: customer } = await h.customer({}, null)
      await metric(h, { code: "calls", name: "Calls", aggregation_method: "count" })
      await metric(h, { code: "users", name: "Users", aggregation_method: "unique_count", aggregation_property: "user" })
      const batch = [
        ...many(customer, "calls", 50, "c"),
        ...Array.from({ length: 20 }, (_, i) => ({ event_id: `u${i}`, customer, code: "users", properties: { user: `user-${i % 7}` } }))
      ]
      const replies = await Promise.all(Array.from({ length: 8 }, () => h.call("POST", "/v1/usage-events", { events: batch })))
      expect(replies.map((r) => r.status)).toEqual(Array(8).fill(200))
      // 70 events, each recorded by exactly one of the 8 posts; the other 7 × 70 = 490 are duplicates.
      expect(replies.reduce((n, r) => n + r.json.accepted, 0)).toBe(70)
      expect(replies.reduce((n, r) => n + r.json.duplicates, 0)).toBe(490)
      expect((await usageOf(h, customer, "calls")).value).toBe("50")
      expect((await usageOf(h, customer, "users")).value).toBe("7")
      expect((await h.ok("GET", `/v1/usage-events?customer=${customer}&include_total=true&limit=1`)).total).toBe(70)
    })

    it("keeps the good events of a batch and reports the bad ones by index and field", async () => {
      const h = await ctx.harness("2024-03-20T00:00:00Z")
      const { id: customer } = await h.customer({}, null)
      await metric(h, { code: "calls", name: "Calls", aggregation_method: "count" })
      const good = (id: string, extra: Record<string, unknown> = {}) => ({ event_id: id, customer, code: "calls", ...extra })
      const result = await post(h, [
        good("ok1"),
        { customer, code: "calls" }, // 1: no event_id
        good("x2", { subscription: "sub_01ARZ3NDEKTSV4RRFFQ69G5FAV" }), // 2: both customer and subscription
        good("x3", { customer: "cus_01ARZ3NDEKTSV4RRFFQ69G5FAV" }), // 3: no such customer
        good("x4", { timestamp: "2024-02-13T23:59:59Z" }), // 4: 35 days and 1 s ago
        good("x5", { timestamp: "2024-03-20T00:05:01Z" }), // 5: 5 min and 1 s ahead
        good("x6", { value: "abc" }), // 6
        good("x7", { code: "nope" }), // 7
        good("x8", { foo: 1 }), // 8: unknown field
        good("ok9", { timestamp: "2024-02-14T00:00:00Z" }), // exactly 35 days ago: accepted
        good("ok10", { timestamp: 1710893100 }) // 2024-03-20T00:05:00Z, Unix seconds, exactly 5 min ahead
      ])
      expect(result.accepted).toBe(3)
      expect(result.duplicates).toBe(0)
      expect(result.rejected.map((r: any) => [r.index, r.field])).toEqual([
        [1, "event_id"],
        [2, "customer"],
        [3, "customer"],
        [4, "timestamp"],
        [5, "timestamp"],
        [6, "value"],
        [7, "code"],
        [8, "foo"]
      ])
      expect(result.rejected[3].message).toContain("35 days")
      // Two periods: February (ok9) and March (ok1, ok10).
      expect((await usageOf(h, customer, "calls")).value).toBe("2")
      expect((await usageOf(h, customer, "calls", "&from=2024-02-14T00:00:00Z")).value).toBe("3")

      // A single invalid event is a 422 naming the field; a single valid one is recorded.
      const single = await h.call("POST", "/v1/usage-events", good("old", { timestamp: "2024-01-01T00:00:00Z" }))
      expect(single.status).toBe(422)
      expect(single.json.errors).toEqual([{ field: "timestamp", message: expect.stringContaining("35 days") }])
      expect((await h.call("POST", "/v1/usage-events", { event_id: "no-code", customer })).json.errors.map((e: any) => e.field)).toEqual(["code"])
      // Batches hold 1 to 1000 events.
      const tooMany = await h.call("POST", "/v1/usage-events", { events: Array.from({ length: 1001 }, (_, i) => good(`m${i}`)) })
      expect(tooMany.status).toBe(422)
      expect(tooMany.json.errors[0].field).toBe("events")
      expect((await h.call("POST", "/v1/usage-events", { events: "x" })).status).toBe(422)
      expect((await h.call("POST", "/v1/usage-events", { events: [] })).status).toBe(422)
      expect((await usageOf(h, customer, "calls")).value).toBe("2")
    })

    it("attributes an event for a subscription to its customer and periods", async () => {
      const h = await ctx.harness("2024-03-15T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const customer = await h.customer()
      await metric(h, { code: "calls", name: "Calls", aggregation_method: "count" })
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      await post(h, [{ event_id: "s1", subscription: sub.id, code: "calls" }, { event_id: "s2", customer: customer.id, code: "calls" }])
      const usage = await usageOf(h, customer.id, "calls")
      // The subscription's period (15 Mar – 15 Apr), not the calendar month.
      expect(usage).toMatchObject({ value: "2", periods: [{ start: "2024-03-15T00:00:00.000Z", end: "2024-04-15T00:00:00.000Z" }] })
      const listed = await h.ok("GET", `/v1/usage-events?customer=${customer.id}`)
      // (In timestamp order; events of the same millisecond in no particular order.)
      expect(listed.data.map((e: any) => [e.event_id, e.subscription]).sort()).toEqual([["s1", sub.id], ["s2", null]])
    })
  })
