/**
 * The short path serves a record stored by its endpoint's own schema as its stored JSON text
 * (src/FastReads.ts): that text must be what the full stack would write, decoding it and encoding
 * the record again. Rows are written by the schema's encoder (kernel/Encoder.ts), so this holds
 * when each stored schema's codec gives back, byte for byte, the JSON it made. Checked on every
 * stored record schema over random records; and `utf8Length`, the `content-length` of a string
 * body, against `TextEncoder`.
 */
import { Arbitrary, Either, FastCheck as fc } from "effect"
import { describe, expect, it } from "vitest"
import { decoder, encoder } from "../src/kernel/Encoder.js"
import { utf8Length } from "../src/kernel/Utf8.js"
import { storedSchemas } from "./storedSchemas.js"

describe("a stored record's JSON is the JSON the full stack answers with", () => {
  for (const [name, schema] of storedSchemas) {
    it(name, () => {
      const encode = encoder(schema)
      const decode = decoder(schema)
      fc.assert(
        fc.property(Arbitrary.make(schema), (record) => {
          const stored = JSON.stringify(encode(record))
          // A fresh object, as read back from storage: the codec's memo of `record` plays no part.
          const read = decode(JSON.parse(stored))
          expect(Either.isRight(read)).toBe(true)
          expect(JSON.stringify(encode(Either.getOrThrow(read)))).toBe(stored)
        }),
        { numRuns: 100, seed: 20261202 }
      )
    })
  }
})

describe("utf8Length", () => {
  const bytes = new TextEncoder()
  it("is the length TextEncoder writes, for any UTF-16 text (lone surrogates included)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) }), (text, units) => {
        expect(utf8Length(text)).toBe(bytes.encode(text).length)
        expect(utf8Length(units)).toBe(bytes.encode(units).length)
      }),
      { numRuns: 2_000 }
    )
    expect(utf8Length("\ud83d")).toBe(3)
    expect(utf8Length("a\ud83d\ude00€é")).toBe(1 + 4 + 3 + 2)
  })
})
