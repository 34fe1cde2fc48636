/**
 * The port's prefetch and multi-row update (`findMany`, `updateMany`), and the billing loop's
 * batch overlay over them (`withBatches`/`inBatch`): inside a batch, reads see the batch's own
 * writes, and once the batch is done storage holds exactly what one-by-one writes would have.
 */
import { Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { Collections, inBatch, type StoredRecord, withBatches } from "@billkit/core"
import { type CurrentStorage, run, tenantA, tenantB } from "./fixtures.js"

const Items = Collections.InvoiceItems
const Sequences = Collections.Sequences

const item = (id: string, customer: string, status = "pending"): StoredRecord => ({
  id,
  data: { id, customer, status },
  index: { customer, status, subscription: null, invoice: null }
})

const sequence = (id: string, name: string, value: number): StoredRecord => ({ id, data: { id, name, value }, index: { name } })

export const batchTests = (storage: CurrentStorage) =>
  describe("findMany, updateMany and batches", () => {
    it("findMany returns the tenant's records whose field is one of the values, in id order, with their index values", async () => {
      const s = storage()
      for (const r of [item("ii_3", "cus_a"), item("ii_1", "cus_b"), item("ii_2", "cus_a", "invoiced"), item("ii_4", "cus_c")]) {
        await run(s.insert(Items, tenantA, r))
      }
      await run(s.insert(Items, tenantB, item("ii_9", "cus_a")))
      const found = await run(s.findMany(Items, tenantA, "customer", ["cus_a", "cus_b", "cus_none"]))
      expect(found.map((r) => r.id)).toEqual(["ii_1", "ii_2", "ii_3"])
      expect(found[1]).toEqual({ id: "ii_2", data: { id: "ii_2", customer: "cus_a", status: "invoiced" }, index: { customer: "cus_a", status: "invoiced", subscription: null, invoice: null } })
      expect((await run(s.findMany(Items, tenantA, "id", ["ii_4", "ii_9"]))).map((r) => r.id)).toEqual(["ii_4"])
      expect(await run(s.findMany(Items, tenantA, "id", []))).toEqual([])
      // Inside a transaction, with locks where the backend has them.
      expect((await run(s.withTransaction(s.findMany(Items, tenantA, "id", ["ii_1"], { forUpdate: true })))).map((r) => r.id)).toEqual(["ii_1"])
    })

    it("updateMany replaces data and index values of every record; a missing record is a defect that writes nothing", async () => {
      const s = storage()
      for (const r of [item("ii_1", "cus_a"), item("ii_2", "cus_a"), item("ii_3", "cus_b")]) await run(s.insert(Items, tenantA, r))
      await run(s.updateMany(Items, tenantA, [item("ii_1", "cus_a", "invoiced"), item("ii_3", "cus_c", "invoiced")]))
      const all = await run(s.list(Items, tenantA, { limit: 10 }))
      expect(all.data).toEqual([{ id: "ii_1", customer: "cus_a", status: "invoiced" }, { id: "ii_2", customer: "cus_a", status: "pending" }, { id: "ii_3", customer: "cus_c", status: "invoiced" }])
      expect((await run(s.list(Items, tenantA, { limit: 10, where: { customer: "cus_c" } }))).data.map((r) => r.id)).toEqual(["ii_3"])
      const exit = await Effect.runPromiseExit(s.withTransaction(s.updateMany(Items, tenantA, [item("ii_2", "cus_z"), item("ii_missing", "cus_z")])))
      expect(exit._tag).toBe("Failure")
      expect((await run(s.list(Items, tenantA, { limit: 10, where: { customer: "cus_z" } }))).data).toEqual([])
    })

    it("a batch answers from what it prefetched and wrote, and leaves storage as one-by-one writes would", async () => {
      const raw = storage()
      const s = withBatches(raw)
      await run(s.insert(Items, tenantA, item("ii_1", "cus_a")))
      await run(s.insert(Items, tenantA, item("ii_2", "cus_b")))
      await run(s.insert(Sequences, tenantA, sequence("seq_1", "invoice", 7)))
      const prefetch = [
        { spec: Items, field: "customer", values: ["cus_a", "cus_b"] },
        { spec: Items, field: "id", values: ["ii_1", "ii_2", "ii_new"], forUpdate: true }
      ]
      const seen = await run(s.withTransaction(inBatch(s, tenantA, prefetch, Effect.gen(function*() {
        yield* s.insert(Items, tenantA, item("ii_new", "cus_a"))
        yield* s.update(Items, tenantA, item("ii_1", "cus_a", "invoiced"))
        yield* s.update(Items, tenantA, item("ii_new", "cus_a", "invoiced"))
        // Not prefetched: read from storage (locked), then counted up in the overlay.
        for (let i = 0; i < 3; i++) {
          const row = Option.getOrThrow(yield* s.get(Sequences, tenantA, "seq_1", { forUpdate: true }))
          yield* s.update(Sequences, tenantA, sequence("seq_1", "invoice", (row.value as number) + 1))
        }
        return {
          pendingOfA: (yield* s.list(Items, tenantA, { where: { customer: "cus_a", status: "pending" }, limit: 10 })).data.map((r) => r.id),
          invoicedOfA: (yield* s.list(Items, tenantA, { where: { customer: "cus_a", status: "invoiced" }, limit: 10, includeTotal: true })),
          fresh: yield* s.get(Items, tenantA, "ii_new"),
          firstOfB: yield* s.findOne(Items, tenantA, "customer", "cus_b"),
          // Uncovered: the collection's pending writes reach storage first.
          viaStorage: (yield* s.list(Items, tenantA, { where: { status: "invoiced" }, limit: 10 })).data.map((r) => r.id),
          sequence: Option.getOrThrow(yield* s.get(Sequences, tenantA, "seq_1")).value
        }
      }))))
      expect(seen.pendingOfA).toEqual([])
      expect(seen.invoicedOfA.data.map((r) => r.id)).toEqual(["ii_1", "ii_new"])
      expect(seen.invoicedOfA.total).toBe(2)
      expect(Option.getOrThrow(seen.fresh).status).toBe("invoiced")
      expect(Option.getOrThrow(seen.firstOfB).id).toBe("ii_2")
      expect(seen.viaStorage).toEqual(["ii_1", "ii_new"])
      expect(seen.sequence).toBe(10)
      // In storage: the last state of each record.
      expect((await run(raw.list(Items, tenantA, { limit: 10 }))).data).toEqual([
        { id: "ii_1", customer: "cus_a", status: "invoiced" },
        { id: "ii_2", customer: "cus_b", status: "pending" },
        { id: "ii_new", customer: "cus_a", status: "invoiced" }
      ])
      expect(Option.getOrThrow(await run(raw.get(Sequences, tenantA, "seq_1"))).value).toBe(10)
    })

    it("a batch that fails writes nothing; a clash only storage can see fails the batch", async () => {
      const raw = storage()
      const s = withBatches(raw)
      await run(s.insert(Sequences, tenantA, sequence("seq_1", "invoice", 1)))
      const failing = await Effect.runPromiseExit(s.withTransaction(inBatch(s, tenantA, [], Effect.zipRight(
        s.insert(Items, tenantA, item("ii_1", "cus_a")),
        Effect.fail("boom")
      ))))
      expect(failing._tag).toBe("Failure")
      // A second counter named "invoice": unique, known only to storage; the flush dies.
      const clashing = await Effect.runPromiseExit(s.withTransaction(inBatch(s, tenantA, [], Effect.zipRight(
        s.insert(Items, tenantA, item("ii_2", "cus_a")),
        Effect.orDie(s.insert(Sequences, tenantA, sequence("seq_2", "invoice", 0)))
      ))))
      expect(clashing._tag).toBe("Failure")
      expect((await run(raw.list(Items, tenantA, { limit: 10 }))).data).toEqual([])
      // A clash on a prefetched value is the typed failure, as outside a batch.
      const covered = await Effect.runPromiseExit(s.withTransaction(inBatch(s, tenantA, [{ spec: Sequences, field: "name", values: ["invoice"] }],
        s.insert(Sequences, tenantA, sequence("seq_3", "invoice", 0)))))
      expect(covered._tag === "Failure" && covered.cause._tag === "Fail" ? covered.cause.error._tag : null).toBe("UniqueViolation")
    })
  })
