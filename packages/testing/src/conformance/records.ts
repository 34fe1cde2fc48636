/** Single records: round trip, tenancy, uniqueness, update and the lookups. */
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import {
  ApiKeys,
  apiKey,
  type CurrentStorage,
  customer,
  Customers,
  failureOf,
  Features,
  isDefect,
  none,
  run,
  runExit,
  some,
  tenantA,
  tenantALive,
  tenantB
} from "./fixtures.js"

export const recordTests = (storage: CurrentStorage) =>
  describe("records", () => {
    it("round-trips nested JSON with unicode, escapes and large strings", async () => {
      const s = storage()
      const data = {
        id: "cus_json",
        name: "Zoë Ünïcødé 🚀 日本語 עברית",
        tricky: "quotes \" backslash \\ newline \n tab \t nul \u0000 lone \ud800 end",
        amount: "123456789012345678901234567890",
        nested: { list: [1, -2.5, 0, null, true, false, { deep: [[["x"]]] }], empty: {}, emptyList: [] },
        metadata: { "key with spaces": "ü", "": "empty key", "emoji🔑": "v" },
        big: "abcdefghij".repeat(50_000)
      }
      await run(s.insert(Customers, tenantA, { id: data.id, data, index: { email: "zoe@example.com" } }))
      expect(await run(s.get(Customers, tenantA, data.id))).toEqual(some(data))
      // Storage that reads synchronously (SQLite) answers the same from plain code, as JSON text.
      if (s.getNow !== undefined) expect(Option.map(s.getNow(Customers, tenantA, data.id)!, (text) => JSON.parse(text))).toEqual(some(data))
    })

    it("keeps no reference to the caller's objects", async () => {
      const s = storage()
      const record = customer("cus_copy", { email: "a@example.com", nested: { n: 1 } })
      await run(s.insert(Customers, tenantA, record))
      ;(record.data.nested as { n: number }).n = 2
      const got = Option.getOrThrow(await run(s.get(Customers, tenantA, "cus_copy")))
      expect(got.nested).toEqual({ n: 1 })
      ;(got.nested as { n: number }).n = 3
      expect(Option.getOrThrow(await run(s.get(Customers, tenantA, "cus_copy"))).nested).toEqual({ n: 1 })
    })

    it("returns none for an unknown id", async () => {
      expect(await run(storage().get(Customers, tenantA, "cus_missing"))).toEqual(none)
      expect(storage().getNow?.(Customers, tenantA, "cus_missing") ?? none).toEqual(none)
    })

    it("dies when an id is inserted twice", async () => {
      const s = storage()
      await run(s.insert(Customers, tenantA, customer("cus_dup", { email: "one@example.com" })))
      const exit = await runExit(s.insert(Customers, tenantA, customer("cus_dup", { email: "two@example.com" })))
      expect(isDefect(exit)).toBe(true)
      expect(await run(s.findOne(Customers, tenantA, "email", "two@example.com"))).toEqual(none)
    })

    describe("tenancy", () => {
      it("hides a record from other projects and modes", async () => {
        const s = storage()
        await run(s.insert(Customers, tenantA, customer("cus_t1", { email: "t@example.com", status: "active" })))
        for (const other of [tenantALive, tenantB]) {
          expect(await run(s.get(Customers, other, "cus_t1"))).toEqual(none)
          expect(await run(s.get(Customers, other, "cus_t1", { forUpdate: true }))).toEqual(none)
          expect(s.getNow?.(Customers, other, "cus_t1") ?? none).toEqual(none)
          expect(await run(s.findOne(Customers, other, "email", "t@example.com"))).toEqual(none)
          expect(await run(s.findOne(Customers, other, "status", "active"))).toEqual(none)
          const page = await run(s.list(Customers, other, { limit: 10, includeTotal: true }))
          expect(page).toEqual({ data: [], hasMore: false, total: 0 })
        }
      })

      it("refuses to update a record from another tenant, leaving it as it was", async () => {
        const s = storage()
        const original = customer("cus_t2", { email: "t2@example.com", name: "original" })
        await run(s.insert(Customers, tenantA, original))
        const exit = await runExit(s.update(Customers, tenantB, customer("cus_t2", { email: "t2@example.com", name: "hijacked" })))
        expect(isDefect(exit)).toBe(true)
        expect(await run(s.get(Customers, tenantA, "cus_t2"))).toEqual(some(original.data))
      })

      it("lets each tenant hold the same unique value independently", async () => {
        const s = storage()
        const email = "same@example.com"
        await run(s.insert(Customers, tenantA, customer("cus_u_a", { email })))
        await run(s.insert(Customers, tenantALive, customer("cus_u_live", { email })))
        await run(s.insert(Customers, tenantB, customer("cus_u_b", { email })))
        expect(await run(s.findOne(Customers, tenantA, "email", email))).toEqual(some(customer("cus_u_a", { email }).data))
        expect(await run(s.findOne(Customers, tenantALive, "email", email))).toEqual(
          some(customer("cus_u_live", { email }).data)
        )
        expect(await run(s.findOne(Customers, tenantB, "email", email))).toEqual(some(customer("cus_u_b", { email }).data))
      })
    })

    describe("uniqueness", () => {
      it("fails with UniqueViolation naming the collection and field, writing nothing", async () => {
        const s = storage()
        await run(s.insert(Customers, tenantA, customer("cus_e1", { email: "taken@example.com" })))
        const exit = await runExit(s.insert(Customers, tenantA, customer("cus_e2", { email: "taken@example.com" })))
        const failure = failureOf(exit)
        expect(failure?._tag).toBe("UniqueViolation")
        expect(failure).toMatchObject({ collection: "customers", field: "email" })
        expect(await run(s.get(Customers, tenantA, "cus_e2"))).toEqual(none)
        expect((await run(s.list(Customers, tenantA, { limit: 10, includeTotal: true }))).total).toBe(1)
      })

      it("checks every unique collection, not only customers", async () => {
        const s = storage()
        const feature = (id: string) => ({ id, data: { id, code: "seats" }, index: { code: "seats" } })
        await run(s.insert(Features, tenantA, feature("feat_1")))
        const failure = failureOf(await runExit(s.insert(Features, tenantA, feature("feat_2"))))
        expect(failure).toMatchObject({ _tag: "UniqueViolation", collection: "features", field: "code" })
      })

      it("lets null and missing unique values repeat", async () => {
        const s = storage()
        await run(s.insert(Customers, tenantA, customer("cus_n1", { email: null })))
        await run(s.insert(Customers, tenantA, customer("cus_n2", { email: null })))
        await run(s.insert(Customers, tenantA, customer("cus_n3")))
        await run(s.insert(Customers, tenantA, customer("cus_n4")))
        expect((await run(s.list(Customers, tenantA, { limit: 10 }))).data.map((d) => d.id)).toEqual([
          "cus_n1",
          "cus_n2",
          "cus_n3",
          "cus_n4"
        ])
      })

      it("treats globally unique fields as unique across tenants", async () => {
        const s = storage()
        await run(s.insert(ApiKeys, tenantA, apiKey("key_1", "hash_1")))
        for (const tenant of [tenantA, tenantALive, tenantB]) {
          const failure = failureOf(await runExit(s.insert(ApiKeys, tenant, apiKey(`key_2_${tenant.projectId}_${tenant.mode}`, "hash_1"))))
          expect(failure).toMatchObject({ _tag: "UniqueViolation", collection: "api_keys", field: "hash" })
        }
      })
    })

    describe("update", () => {
      it("replaces the data and the indexed values", async () => {
        const s = storage()
        await run(s.insert(Customers, tenantA, customer("cus_up", { email: "old@example.com", status: "active", n: 1 })))
        const updated = customer("cus_up", { email: "new@example.com", status: "archived", n: 2 })
        await run(s.update(Customers, tenantA, updated))
        expect(await run(s.get(Customers, tenantA, "cus_up"))).toEqual(some(updated.data))
        expect(await run(s.findOne(Customers, tenantA, "email", "old@example.com"))).toEqual(none)
        expect(await run(s.findOne(Customers, tenantA, "email", "new@example.com"))).toEqual(some(updated.data))
        expect((await run(s.list(Customers, tenantA, { limit: 10, where: { status: "active" } }))).data).toEqual([])
        expect((await run(s.list(Customers, tenantA, { limit: 10, where: { status: "archived" } }))).data).toEqual([
          updated.data
        ])
        // The old unique value is free again.
        await run(s.insert(Customers, tenantA, customer("cus_up2", { email: "old@example.com" })))
      })

      it("clears an indexed value that the new record omits", async () => {
        const s = storage()
        await run(s.insert(Customers, tenantA, customer("cus_clear", { email: "c@example.com", country: "FR" })))
        await run(s.update(Customers, tenantA, customer("cus_clear", { email: "c@example.com" })))
        expect(await run(s.findOne(Customers, tenantA, "country", "FR"))).toEqual(none)
        expect((await run(s.list(Customers, tenantA, { limit: 10, where: { country: "FR" } }))).data).toEqual([])
      })

      it("keeps its own unique value without a violation", async () => {
        const s = storage()
        await run(s.insert(Customers, tenantA, customer("cus_same", { email: "same@example.com", n: 1 })))
        await run(s.update(Customers, tenantA, customer("cus_same", { email: "same@example.com", n: 2 })))
        expect(Option.getOrThrow(await run(s.get(Customers, tenantA, "cus_same"))).n).toBe(2)
      })

      it("fails with UniqueViolation when taking another record's unique value, changing nothing", async () => {
        const s = storage()
        const first = customer("cus_v1", { email: "first@example.com" })
        const second = customer("cus_v2", { email: "second@example.com", n: 1 })
        await run(s.insert(Customers, tenantA, first))
        await run(s.insert(Customers, tenantA, second))
        const exit = await runExit(s.update(Customers, tenantA, customer("cus_v2", { email: "first@example.com", n: 2 })))
        expect(failureOf(exit)).toMatchObject({ _tag: "UniqueViolation", collection: "customers", field: "email" })
        expect(await run(s.get(Customers, tenantA, "cus_v2"))).toEqual(some(second.data))
        expect(await run(s.findOne(Customers, tenantA, "email", "first@example.com"))).toEqual(some(first.data))
      })

      it("dies when the record does not exist", async () => {
        const exit = await runExit(storage().update(Customers, tenantA, customer("cus_ghost", { email: "g@example.com" })))
        expect(isDefect(exit)).toBe(true)
      })
    })

    describe("lookups", () => {
      it("findOne matches an indexed field exactly and prefers the lowest id", async () => {
        const s = storage()
        await run(s.insert(Customers, tenantA, customer("cus_f2", { country: "DE" })))
        await run(s.insert(Customers, tenantA, customer("cus_f1", { country: "DE" })))
        await run(s.insert(Customers, tenantA, customer("cus_f0", { country: "de" })))
        expect(await run(s.findOne(Customers, tenantA, "country", "DE"))).toEqual(some(customer("cus_f1", { country: "DE" }).data))
        expect(await run(s.findOne(Customers, tenantA, "country", "D"))).toEqual(none)
      })

      it("findGlobal finds a globally unique value in whichever tenant holds it", async () => {
        const s = storage()
        await run(s.insert(ApiKeys, tenantA, apiKey("key_a", "hash_a")))
        await run(s.insert(ApiKeys, tenantB, apiKey("key_b", "hash_b")))
        await run(s.insert(ApiKeys, tenantALive, apiKey("key_live", "hash_live")))
        expect(await run(s.findGlobal(ApiKeys, "hash", "hash_b"))).toEqual(
          some({ tenant: tenantB, data: apiKey("key_b", "hash_b").data })
        )
        expect(await run(s.findGlobal(ApiKeys, "hash", "hash_live"))).toEqual(
          some({ tenant: tenantALive, data: apiKey("key_live", "hash_live").data })
        )
        expect(await run(s.findGlobal(ApiKeys, "hash", "hash_none"))).toEqual(none)
      })

      it("findGlobal follows an update of the globally unique value", async () => {
        const s = storage()
        await run(s.insert(ApiKeys, tenantA, apiKey("key_rot", "hash_old")))
        await run(s.update(ApiKeys, tenantA, apiKey("key_rot", "hash_new")))
        expect(await run(s.findGlobal(ApiKeys, "hash", "hash_old"))).toEqual(none)
        expect(Option.isSome(await run(s.findGlobal(ApiKeys, "hash", "hash_new")))).toBe(true)
      })
    })
  })
