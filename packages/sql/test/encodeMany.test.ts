import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Json } from "@billkit/core"
import { encodeMany } from "../src/internal/tables.js"

describe("encodeMany", () => {
  it("gives each record's JSON text, as JSON.stringify of each would (property)", () => {
    // Strings that look like boundaries, nested arrays of objects, empty objects: the cases that must fall back.
    const text = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("},{", "\"},{\"", "}", "{", "\\", "\u2028", "\ud800"))
    const value = fc.letrec<{ json: unknown; object: Json }>((tie) => ({
      json: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie("object"), { maxLength: 3 }), tie("object")),
      object: fc.dictionary(text, tie("json"), { maxKeys: 4 })
    }))
    const shallow = fc.dictionary(text, fc.oneof(text, fc.integer(), fc.constant(null), fc.dictionary(text, text, { maxKeys: 3 })), { maxKeys: 5 })
    // `Json` is an object; other values are there to hold the guard to it all the same.
    const element = fc.oneof(value.object, shallow, value.json as fc.Arbitrary<Json>)
    fc.assert(fc.property(fc.array(element, { maxLength: 8 }), (datas) => {
      expect(encodeMany(datas)).toEqual(datas.map((d) => JSON.stringify(d)))
    }), { numRuns: 2000 })
  })

  it("splits one text of a batch of flat objects at the boundaries between them", () => {
    const datas = Array.from({ length: 1000 }, (_, i) => ({ id: `ue_${i}`, properties: { n: i, note: "a},b" }, subscription: null }))
    const texts = encodeMany(datas)
    expect(texts).toEqual(datas.map((d) => JSON.stringify(d)))
    expect(texts.map((t) => JSON.parse(t))).toEqual(datas)
  })
})
