import { it as effectIt } from "@effect/vitest"
import { Effect, Schema, TestClock } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Id, encodeRandom, highestIdAt, lowestIdAt, makeId } from "../src/kernel/Ids.js"
import { makeIdGenerator } from "../src/kernel/IdGenerator.js"

let seed = 1
const deterministicBytes = (n: number) => Uint8Array.from({ length: n }, () => (seed = (seed * 1103515245 + 12345) % 256))

describe("ids", () => {
  effectIt.effect("are prefixed and sort in creation order, also within one millisecond and when the clock steps back", () =>
    Effect.gen(function*() {
      const ids = makeIdGenerator(deterministicBytes)
      yield* TestClock.setTime(1_700_000_000_000)
      const a = yield* ids.next("customer")
      const b = yield* ids.next("customer")
      yield* TestClock.setTime(1_699_999_999_000)
      const c = yield* ids.next("customer")
      yield* TestClock.adjust("2 seconds")
      const d = yield* ids.next("customer")
      expect(a.startsWith("cus_")).toBe(true)
      expect([a, b, c, d]).toEqual([a, b, c, d].slice().sort())
      expect(new Set([a, b, c, d]).size).toBe(4)
      expect(Schema.is(Id("customer"))(a)).toBe(true)
      expect(Schema.is(Id("product"))(a)).toBe(false)
    }))

  it("fall between the time bounds used by from/to filters (property)", () =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.uint8Array({ minLength: 10, maxLength: 10 }), (ms, bytes) => {
        const id = makeId("invoice", ms, encodeRandom(bytes))
        expect(lowestIdAt("invoice", ms) <= id && id <= highestIdAt("invoice", ms)).toBe(true)
        expect(highestIdAt("invoice", ms) < lowestIdAt("invoice", ms + 1)).toBe(true)
      })
    ))

  it("encode 80 random bits as their 16 base32 digits, from any offset (property)", () =>
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 10, maxLength: 40 }), fc.nat(), (bytes, at) => {
        const offset = at % (bytes.length - 9)
        const bits = [...bytes.subarray(offset, offset + 10)].reduce((n, b) => (n << 8n) | BigInt(b), 0n)
        const digits = Array.from({ length: 16 }, (_, i) => "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[Number((bits >> BigInt(75 - 5 * i)) & 31n)]).join("")
        expect(encodeRandom(bytes, offset)).toBe(digits)
      })
    ))
})
