/**
 * The compiled codecs (`kernel/CompiledCodec.ts`) must answer exactly what Effect Schema's
 * interpreter answers: the same encoded JSON, keys in the same order, the same decoded record, and
 * a failure wherever the interpreter fails. Checked on every stored record schema and every
 * exported schema, over random records (`Arbitrary`) and over random damage to their encoded form.
 */
import { Arbitrary, Either, FastCheck as fc, ParseResult, Schema } from "effect"
import { isDeepStrictEqual } from "node:util"
import { describe, expect, it } from "vitest"
import * as core from "../src/index.js"
import { compile, Fail, Unknown } from "../src/kernel/CompiledCodec.js"
import { storedSchemas } from "./storedSchemas.js"

// Records and answers; request bodies (`…Create`, `…Update`, …) are decoded by `HttpApi`, not here.
const exportedSchemas = (Object.entries(core) as Array<[string, unknown]>).filter(([name, value]) =>
  Schema.isSchema(value) && !/(Create|Update|Input|Attach|Adjustment)$/.test(name)) as Array<[string, Schema.Schema<any, any>]>

/** JSON text with key order kept, and non-JSON values (bigint, class instances) spelled out. */
const ordered = (value: unknown): string =>
  JSON.stringify(value, (_key, v) => typeof v === "bigint" ? `${v}n` : v)

const fast = (schema: Schema.Schema<any, any>, isDecoding: boolean) => {
  const compiled = compile(schema.ast, isDecoding)
  return (input: unknown) => {
    const out = compiled(input)
    return out === Fail || out === Unknown ? out : Either.right(out)
  }
}

/** The two answers agree: both fail, or both succeed with equal values in the same key order. */
const expectSame = (compiled: unknown, interpreted: Either.Either<unknown, unknown>, input: unknown) => {
  if (compiled === Unknown) return // the caller asks the interpreter: nothing to compare
  if (Either.isLeft(interpreted)) {
    expect(compiled, `interpreter failed on ${ordered(input)}`).toBe(Fail)
    return
  }
  expect(compiled, `interpreter succeeded on ${ordered(input)}`).not.toBe(Fail)
  const value = (compiled as Either.Either<unknown>).pipe(Either.getOrThrow)
  expect(isDeepStrictEqual(value, interpreted.right), `same value for ${ordered(input)}`).toBe(true)
  expect(ordered(value)).toBe(ordered(interpreted.right))
}

/** Random damage to an encoded record: a key dropped, a value replaced, a key added, deep down. */
const damage = (json: unknown, rng: () => number, junk: ReadonlyArray<unknown>): unknown => {
  if (Array.isArray(json)) {
    if (json.length === 0 || rng() < 0.2) return rng() < 0.5 ? junk[Math.floor(rng() * junk.length)] : [...json, junk[0]]
    const i = Math.floor(rng() * json.length)
    return json.map((v, j) => j === i ? damage(v, rng, junk) : v)
  }
  if (typeof json === "object" && json !== null) {
    const keys = Object.keys(json)
    const copy: Record<string, unknown> = { ...json }
    const roll = rng()
    if (keys.length === 0 || roll < 0.15) copy[`extra_${Math.floor(rng() * 3)}`] = junk[Math.floor(rng() * junk.length)]
    else {
      const key = keys[Math.floor(rng() * keys.length)]
      if (roll < 0.4) delete copy[key]
      else copy[key] = damage(copy[key], rng, junk)
    }
    return copy
  }
  return junk[Math.floor(rng() * junk.length)]
}

const junk: ReadonlyArray<unknown> = [null, undefined, 0, -1, 1.5, 2 ** 53, "", "x", "12.5", "2024-01-01T00:00:00Z", true, false, {}, [], [1], { a: 1 }, "EUR", "active", "\u0000"]

const cases = [...storedSchemas, ...exportedSchemas]

describe("compiled codecs answer exactly what the interpreter answers", () => {
  it("covers the stored records the billing loop writes", () => {
    const names = storedSchemas.map(([name]) => name.split(" ")[1])
    for (const name of ["InvoiceRecords", "SubscriptionRecords", "CustomerRecords", "PaymentRecords", "EventRecords"]) {
      expect(names).toContain(name)
    }
  })

  for (const [name, schema] of cases) {
    it(name, () => {
      const arbitrary = Arbitrary.make(schema)
      const encodeFast = fast(schema, false)
      const decodeFast = fast(schema, true)
      const encodeInterpreted = ParseResult.encodeUnknownEither(schema)
      const decodeInterpreted = ParseResult.decodeUnknownEither(schema)
      fc.assert(
        fc.property(arbitrary, fc.integer(), (record, seed) => {
          const encoded = encodeInterpreted(record)
          expectSame(encodeFast(record), encoded, record)
          if (Either.isLeft(encoded)) return
          expectSame(decodeFast(encoded.right), decodeInterpreted(encoded.right), encoded.right)
          let state = seed | 1
          const rng = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x80000000)
          for (let i = 0; i < 4; i++) {
            const damaged = damage(encoded.right, rng, junk)
            expectSame(decodeFast(damaged), decodeInterpreted(damaged), damaged)
            // Encoding a record with a wrong field must fail as the interpreter does, too.
            const broken = damage(record, rng, junk)
            expectSame(encodeFast(broken), encodeInterpreted(broken), broken)
          }
        }),
        { numRuns: 100, seed: 20261201 }
      )
    })
  }
})
