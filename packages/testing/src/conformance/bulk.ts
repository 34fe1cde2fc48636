/** Set-wise operations: the billing loop's due query and deduplicating batch inserts. */
import { Effect, Option } from "effect"
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

    it("insertMany and updateMany keep every character of data and index values: quotes, backslashes, escapes, newlines, emoji, nulls", async () => {
      const s = storage()
      const texts = ["quote \" and \\\"", "back\\slash \\u0041 \\n", "line\nbreak\ttab\r", "ünïcödé 😀 \u2028", "{\"json\": [1, \"two\"]}", "", "null", "NULL", "{a,b}", "'single'"]
      const records = texts.map((text, i): StoredRecord => ({
        id: `ue_${i}`,
        data: { id: `ue_${i}`, event_id: text, properties: { text, nested: [text, null, { text }] } },
        index: { event_id: `${i}:${text}`, customer: i % 2 === 0 ? null : text, code: text }
      }))
      expect([...(await run(s.insertMany(UsageEvents, tenantA, records)))].sort()).toEqual(records.map((r) => r.id).sort())
      const read = async () => (await run(s.list(UsageEvents, tenantA, { limit: 20 }))).data
      expect(await read()).toEqual(records.map((r) => r.data))
      for (const r of records) expect(await run(s.findOne(UsageEvents, tenantA, "event_id", r.index.event_id!))).toEqual(Option.some(r.data))
      // The same texts through updateMany, reversed, and found again by their new index values.
      const updated = records.map((r, i): StoredRecord => ({ ...r, data: { ...r.data, properties: { text: texts[texts.length - 1 - i] } }, index: { ...r.index, event_id: `u${i}:${texts[texts.length - 1 - i]}` } }))
      await run(s.withTransaction(s.updateMany(UsageEvents, tenantA, updated)))
      expect(await read()).toEqual(updated.map((r) => r.data))
      for (const r of updated) expect(await run(s.findOne(UsageEvents, tenantA, "event_id", r.index.event_id!))).toEqual(Option.some(r.data))
    })

    it("insertMany and updateMany take a lone surrogate (a JSON body may hold one): kept exactly in data, never a failed write", async () => {
      const s = storage()
      const lone = "a\ud800b\udc00"
      const record: StoredRecord = { id: "ue_lone", data: { id: "ue_lone", event_id: lone, properties: { lone } }, index: { event_id: lone, customer: lone, code: "c" } }
      expect(await run(s.insertMany(UsageEvents, tenantA, [record]))).toEqual(["ue_lone"])
      expect(await run(s.get(UsageEvents, tenantA, "ue_lone"))).toEqual(Option.some(record.data))
      const changed = { ...record, data: { ...record.data, properties: { lone: `${lone}!` } } }
      await run(s.withTransaction(s.updateMany(UsageEvents, tenantA, [changed])))
      expect(await run(s.get(UsageEvents, tenantA, "ue_lone"))).toEqual(Option.some(changed.data))
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
