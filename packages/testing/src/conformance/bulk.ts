/** Set-wise operations: the billing loop's due query and deduplicating batch inserts. */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Collections, type StoredRecord } from "@billkit/core"
import { type CurrentStorage, run, tenantA, tenantB } from "./fixtures.js"

const Subscriptions = Collections.Subscriptions
const UsageEvents = Collections.UsageEvents

const subscription = (id: string, dueAt: string | null): StoredRecord => ({
  id,
  data: { id, due_at: dueAt },
  index: { due_at: dueAt, status: "active" }
})

const usageEvent = (id: string, eventId: string): StoredRecord => ({
  id,
  data: { id, event_id: eventId },
  index: { event_id: eventId, customer: "cus_1", code: "api_calls" }
})

export const bulkTests = (storage: CurrentStorage) =>
  describe("due and insertMany", () => {
    it("due returns records whose field is at most upTo, in field then id order, within the tenant and limit", async () => {
      const s = storage()
      const records = [
        subscription("sub_3", "2024-03-01T00:00:00.000Z"),
        subscription("sub_1", "2024-01-31T00:00:00.000Z"),
        subscription("sub_2", "2024-01-31T00:00:00.000Z"),
        subscription("sub_4", "2024-03-01T00:00:00.001Z"),
        subscription("sub_5", null)
      ]
      for (const r of records) await run(s.insert(Subscriptions, tenantA, r))
      await run(s.insert(Subscriptions, tenantB, subscription("sub_other", "2024-01-01T00:00:00.000Z")))

      const ids = async (upTo: string, limit = 10) =>
        (await run(s.due(Subscriptions, tenantA, { field: "due_at", upTo, limit }))).map((r) => r.id)
      expect(await ids("2024-03-01T00:00:00.000Z")).toEqual(["sub_1", "sub_2", "sub_3"])
      expect(await ids("2024-12-31T00:00:00.000Z", 2)).toEqual(["sub_1", "sub_2"])
      expect(await ids("2024-01-30T23:59:59.999Z")).toEqual([])
    })

    it("due with skipLocked hands concurrent transactions different rows", async () => {
      const s = storage()
      for (let i = 0; i < 6; i++) await run(s.insert(Subscriptions, tenantA, subscription(`sub_${i}`, "2024-01-01T00:00:00.000Z")))
      // Each worker takes up to 2 due rows and marks them done; together they finish all 6, once each.
      const taken: Array<string> = []
      const worker = s.withTransaction(
        Effect.gen(function* () {
          const rows = yield* s.due(Subscriptions, tenantA, { field: "due_at", upTo: "2024-01-01T00:00:00.000Z", limit: 2, skipLocked: true })
          for (const row of rows) {
            taken.push(row.id as string)
            yield* s.update(Subscriptions, tenantA, subscription(row.id as string, null))
          }
        })
      )
      await run(Effect.all(Array.from({ length: 3 }, () => worker), { concurrency: "unbounded", discard: true }))
      while ((await run(s.due(Subscriptions, tenantA, { field: "due_at", upTo: "2025-01-01T00:00:00.000Z", limit: 10 }))).length > 0) {
        await run(worker)
      }
      expect([...taken].sort()).toEqual(["sub_0", "sub_1", "sub_2", "sub_3", "sub_4", "sub_5"])
    })

    it("insertMany skips duplicates of a unique field, within the batch and against stored rows", async () => {
      const s = storage()
      await run(s.insert(UsageEvents, tenantA, usageEvent("ue_0", "evt-a")))
      const inserted = await run(
        s.insertMany(UsageEvents, tenantA, [
          usageEvent("ue_1", "evt-a"),
          usageEvent("ue_2", "evt-b"),
          usageEvent("ue_3", "evt-b"),
          usageEvent("ue_4", "evt-c")
        ])
      )
      expect([...inserted].sort()).toEqual(["ue_2", "ue_4"])
      const all = await run(s.list(UsageEvents, tenantA, { limit: 10 }))
      expect(all.data.map((r) => r.event_id)).toEqual(["evt-a", "evt-b", "evt-c"])
      // The same event_id in another tenant is a different event.
      expect(await run(s.insertMany(UsageEvents, tenantB, [usageEvent("ue_5", "evt-a")]))).toEqual(["ue_5"])
      expect(await run(s.insertMany(UsageEvents, tenantA, []))).toEqual([])
    })

    it("insertMany takes a batch larger than one statement's parameters", async () => {
      const s = storage()
      const records = Array.from({ length: 5000 }, (_, i) => usageEvent(`ue_${String(i).padStart(5, "0")}`, `evt-${i % 4000}`))
      const inserted = await run(s.insertMany(UsageEvents, tenantA, records))
      expect(inserted.length).toBe(4000)
      expect((await run(s.list(UsageEvents, tenantA, { limit: 1, includeTotal: true }))).total).toBe(4000)
    })

    it("insertMany rolls the whole batch back when the surrounding transaction fails", async () => {
      const s = storage()
      const failed = await Effect.runPromiseExit(
        s.withTransaction(Effect.zipRight(s.insertMany(UsageEvents, tenantA, [usageEvent("ue_1", "evt-a")]), Effect.fail("boom")))
      )
      expect(failed._tag).toBe("Failure")
      expect((await run(s.list(UsageEvents, tenantA, { limit: 10 }))).data).toEqual([])
    })
  })
