/** `list`: id order, filters, id bounds, cursors in both directions, has_more and totals. */
import { Effect } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Collections, type ListQuery, type Tenant } from "@billkit/core"
import { type CurrentStorage, customer, Customers, run, tenantA, tenantALive, tenantB } from "./fixtures.js"

// Ten customers of tenant A, with statuses and countries to filter on. Interleaved ids in other
// tenants make sure no bound or cursor ever lets them through.
const seed = (storage: CurrentStorage) => {
  const s = storage()
  const records = Array.from({ length: 10 }, (_, i) =>
    customer(`cus_${i}`, { status: i % 2 === 0 ? "active" : "archived", country: i < 5 ? "FR" : "DE" })
  )
  const noise = [
    customer("cus_05", { status: "active", country: "FR" }),
    customer("cus_55", { status: "active", country: "DE" })
  ]
  // Inserted out of order: the order of insertion must not matter.
  return run(
    Effect.gen(function* () {
      for (const r of [...records].reverse()) yield* s.insert(Customers, tenantA, r)
      for (const r of noise) yield* s.insert(Customers, tenantB, { ...r, id: `${r.id}_b` })
      for (const r of noise) yield* s.insert(Customers, tenantALive, { ...r, id: `${r.id}_live` })
    })
  )
}

const ids = async (storage: CurrentStorage, query: ListQuery, tenant: Tenant = tenantA) => {
  const page = await run(storage().list(Customers, tenant, query))
  return { ids: page.data.map((d) => d.id as string), hasMore: page.hasMore, total: page.total }
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `cus_${from + i}`)

export const listingTests = (storage: CurrentStorage) =>
  describe("list", () => {
    it("returns an empty page for an empty collection", async () => {
      expect(await ids(storage, { limit: 3 })).toEqual({ ids: [], hasMore: false, total: undefined })
      expect(await ids(storage, { limit: 3, includeTotal: true })).toEqual({ ids: [], hasMore: false, total: 0 })
    })

    it("orders by id, comparing ids code unit by code unit", async () => {
      const s = storage()
      const mixed = ["b", "B", "aB", "a_1", "ab", "a", "A1", "a-1", "Z"]
      for (const id of mixed) await run(s.insert(Customers, tenantA, customer(id)))
      const expected = [...mixed].sort()
      expect((await ids(storage, { limit: 20 })).ids).toEqual(expected)
      // Cursors compare the same way as the order.
      expect((await ids(storage, { limit: 20, startingAfter: "a" })).ids).toEqual(expected.filter((id) => id > "a"))
      expect((await ids(storage, { limit: 20, endingBefore: "a" })).ids).toEqual(expected.filter((id) => id < "a"))
    })

    it("says has_more exactly at the page boundary", async () => {
      await seed(storage)
      expect(await ids(storage, { limit: 9 })).toEqual({ ids: range(0, 8), hasMore: true, total: undefined })
      expect(await ids(storage, { limit: 10 })).toEqual({ ids: range(0, 9), hasMore: false, total: undefined })
      expect(await ids(storage, { limit: 11 })).toEqual({ ids: range(0, 9), hasMore: false, total: undefined })
      expect(await ids(storage, { limit: 1 })).toEqual({ ids: ["cus_0"], hasMore: true, total: undefined })
    })

    it("pages forward with startingAfter", async () => {
      await seed(storage)
      expect(await ids(storage, { limit: 3, startingAfter: "cus_2" })).toMatchObject({ ids: range(3, 5), hasMore: true })
      expect(await ids(storage, { limit: 3, startingAfter: "cus_6" })).toMatchObject({ ids: range(7, 9), hasMore: false })
      expect(await ids(storage, { limit: 3, startingAfter: "cus_8" })).toMatchObject({ ids: ["cus_9"], hasMore: false })
      expect(await ids(storage, { limit: 3, startingAfter: "cus_9" })).toMatchObject({ ids: [], hasMore: false })
      // A cursor need not exist: it is a position in the id order.
      expect(await ids(storage, { limit: 2, startingAfter: "cus_45" })).toMatchObject({ ids: range(5, 6), hasMore: true })
    })

    it("pages backward with endingBefore, each page still in ascending order", async () => {
      await seed(storage)
      expect(await ids(storage, { limit: 3, endingBefore: "cus_7" })).toMatchObject({ ids: range(4, 6), hasMore: true })
      expect(await ids(storage, { limit: 3, endingBefore: "cus_3" })).toMatchObject({ ids: range(0, 2), hasMore: false })
      expect(await ids(storage, { limit: 3, endingBefore: "cus_2" })).toMatchObject({ ids: range(0, 1), hasMore: false })
      expect(await ids(storage, { limit: 3, endingBefore: "cus_0" })).toMatchObject({ ids: [], hasMore: false })
      expect(await ids(storage, { limit: 2, endingBefore: "cus_45" })).toMatchObject({ ids: range(3, 4), hasMore: true })
    })

    it("combines equality filters, with and without cursors", async () => {
      await seed(storage)
      expect((await ids(storage, { limit: 10, where: { status: "active" } })).ids).toEqual([
        "cus_0",
        "cus_2",
        "cus_4",
        "cus_6",
        "cus_8"
      ])
      expect(await ids(storage, { limit: 10, where: { status: "active", country: "FR" } })).toMatchObject({
        ids: ["cus_0", "cus_2", "cus_4"],
        hasMore: false
      })
      expect(await ids(storage, { limit: 1, where: { status: "active", country: "FR" }, startingAfter: "cus_0" })).toMatchObject({
        ids: ["cus_2"],
        hasMore: true
      })
      expect(await ids(storage, { limit: 2, where: { status: "archived" }, endingBefore: "cus_9" })).toMatchObject({
        ids: ["cus_5", "cus_7"],
        hasMore: true
      })
      expect(await ids(storage, { limit: 10, where: { status: "archived", country: "XX" } })).toMatchObject({
        ids: [],
        hasMore: false
      })
    })

    it("bounds ids inclusively with idFrom and idTo, alone and with cursors", async () => {
      await seed(storage)
      expect(await ids(storage, { limit: 10, idFrom: "cus_3" })).toMatchObject({ ids: range(3, 9), hasMore: false })
      expect(await ids(storage, { limit: 10, idTo: "cus_3" })).toMatchObject({ ids: range(0, 3), hasMore: false })
      expect(await ids(storage, { limit: 10, idFrom: "cus_3", idTo: "cus_6" })).toMatchObject({ ids: range(3, 6), hasMore: false })
      expect(await ids(storage, { limit: 3, idFrom: "cus_3", idTo: "cus_6" })).toMatchObject({ ids: range(3, 5), hasMore: true })
      expect(await ids(storage, { limit: 3, idFrom: "cus_3", idTo: "cus_6", startingAfter: "cus_3" })).toMatchObject({
        ids: range(4, 6),
        hasMore: false
      })
      expect(await ids(storage, { limit: 2, idFrom: "cus_3", idTo: "cus_6", endingBefore: "cus_6" })).toMatchObject({
        ids: range(4, 5),
        hasMore: true
      })
      expect(await ids(storage, { limit: 5, idFrom: "cus_3", endingBefore: "cus_5" })).toMatchObject({
        ids: range(3, 4),
        hasMore: false
      })
      expect(await ids(storage, { limit: 10, idFrom: "cus_7", idTo: "cus_3" })).toMatchObject({ ids: [], hasMore: false })
    })

    it("bounds an indexed field's text inclusively with range (the record's own time, not its id's), in id order", async () => {
      const s = storage()
      // Ids made by a clock that ran ahead: their order is the reverse of the records' own time.
      const at = (day: number) => `2024-03-${String(day).padStart(2, "0")}T00:00:00.000Z`
      const event = (i: number, day: number) => ({
        id: `evt_${i}`,
        data: { id: `evt_${i}`, created_at: at(day) },
        index: { type: "customer.created", subject: null, created_at: at(day) }
      })
      await run(Effect.gen(function* () {
        for (let i = 0; i < 8; i++) yield* s.insert(Collections.Events, tenantA, event(i, 20 - i))
        // Another tenant at the same times: never let through.
        yield* s.insert(Collections.Events, tenantB, { ...event(3, 17), id: "evt_3_b" })
      }))
      const list = async (query: ListQuery) => {
        const page = await run(s.list(Collections.Events, tenantA, query))
        return { ids: page.data.map((d) => d.id as string), hasMore: page.hasMore, total: page.total }
      }
      const range = { field: "created_at", from: at(14), to: at(17) }
      // Days 17, 16, 15, 14 are evt_3…evt_6; bounds are inclusive.
      expect(await list({ limit: 10, range, includeTotal: true })).toEqual({ ids: ["evt_3", "evt_4", "evt_5", "evt_6"], hasMore: false, total: 4 })
      expect(await list({ limit: 2, range, includeTotal: true })).toEqual({ ids: ["evt_3", "evt_4"], hasMore: true, total: 4 })
      expect(await list({ limit: 2, range, startingAfter: "evt_4" })).toMatchObject({ ids: ["evt_5", "evt_6"], hasMore: false })
      expect(await list({ limit: 2, range, endingBefore: "evt_6" })).toMatchObject({ ids: ["evt_4", "evt_5"], hasMore: true })
      expect(await list({ limit: 10, range: { field: "created_at", from: at(19) } })).toMatchObject({ ids: ["evt_0", "evt_1"] })
      expect(await list({ limit: 10, range: { field: "created_at", to: at(13) } })).toMatchObject({ ids: ["evt_7"] })
      expect(await list({ limit: 10, range, where: { type: "customer.updated" } })).toMatchObject({ ids: [] })
    })

    it("counts the total of the filters and id bounds, whatever the cursor and limit", async () => {
      await seed(storage)
      expect((await ids(storage, { limit: 2, includeTotal: true })).total).toBe(10)
      expect((await ids(storage, { limit: 2, includeTotal: true, where: { status: "active" } })).total).toBe(5)
      expect((await ids(storage, { limit: 2, includeTotal: true, where: { status: "active" }, startingAfter: "cus_4" })).total).toBe(5)
      expect((await ids(storage, { limit: 2, includeTotal: true, endingBefore: "cus_4" })).total).toBe(10)
      expect((await ids(storage, { limit: 2, includeTotal: true, idFrom: "cus_2", idTo: "cus_5", where: { country: "FR" } })).total).toBe(3)
      expect((await ids(storage, { limit: 2, includeTotal: false })).total).toBeUndefined()
      expect((await ids(storage, { limit: 2, includeTotal: true }, tenantB)).total).toBe(2)
    })

    it("visits every matching record exactly once, walking forward or backward (property)", async () => {
      const s = storage()
      let runIndex = 0
      const records = fc.uniqueArray(
        fc.record({ key: fc.stringMatching(/^[a-z0-9_]{1,4}$/), status: fc.constantFrom("active", "archived") }),
        { selector: (r) => r.key, maxLength: 24 }
      )
      await fc.assert(
        fc.asyncProperty(records, fc.integer({ min: 1, max: 7 }), fc.option(fc.constantFrom("active", "archived")), async (rs, limit, status) => {
          // Each run writes to a tenant (and id prefix) of its own, so runs never see each other.
          runIndex++
          const tenant: Tenant = { projectId: `proj_prop_${runIndex}`, mode: "test" }
          const prefix = `p${String(runIndex).padStart(4, "0")}_`
          await run(Effect.forEach(rs, (r) => s.insert(Customers, tenant, customer(prefix + r.key, { status: r.status })), { discard: true }))
          const where = status === null ? undefined : { status }
          const expected = rs
            .filter((r) => status === null || r.status === status)
            .map((r) => prefix + r.key)
            .sort()

          const forward: Array<string> = []
          for (let cursor: string | undefined, pages = 0; ; pages++) {
            const page = await ids(storage, { limit, where, startingAfter: cursor }, tenant)
            expect(page.ids.length).toBeLessThanOrEqual(limit)
            forward.push(...page.ids)
            if (!page.hasMore) break
            expect(page.ids.length).toBe(limit)
            cursor = page.ids[page.ids.length - 1]
            expect(pages).toBeLessThan(100)
          }
          expect(forward).toEqual(expected)

          const backward: Array<string> = []
          // "~" sorts after every generated id.
          for (let cursor = `${prefix}~`, pages = 0; ; pages++) {
            const page = await ids(storage, { limit, where, endingBefore: cursor }, tenant)
            expect(page.ids.length).toBeLessThanOrEqual(limit)
            backward.unshift(...page.ids)
            if (!page.hasMore) break
            expect(page.ids.length).toBe(limit)
            cursor = page.ids[0]
            expect(pages).toBeLessThan(100)
          }
          expect(backward).toEqual(expected)
        }),
        { numRuns: 30 }
      )
    })
  })
