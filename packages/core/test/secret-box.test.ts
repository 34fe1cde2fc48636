import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { decodeEncryptionKey, makeSecretBox, SecretBox } from "../src/kernel/SecretBox.js"

const keyA = Buffer.alloc(32, 7).toString("base64")
const keyB = "ab".repeat(32)

describe("SecretBox", () => {
  it.effect("seals so that the stored value does not contain the secret, and opens it again", () =>
    Effect.gen(function* () {
      const box = makeSecretBox(decodeEncryptionKey(keyA))
      const sealed = yield* box.seal("whsec_c2VjcmV0")
      expect(sealed.startsWith("v1.")).toBe(true)
      expect(sealed).not.toContain("c2VjcmV0")
      expect(yield* box.open(sealed)).toBe("whsec_c2VjcmV0")
      // A fresh IV each time: the same secret never seals to the same text.
      expect(yield* box.seal("whsec_c2VjcmV0")).not.toBe(sealed)
    }))

  it.effect("refuses a value sealed under another key, or altered", () =>
    Effect.gen(function* () {
      const sealed = yield* makeSecretBox(decodeEncryptionKey(keyA)).seal("sk_test_123")
      const other = makeSecretBox(decodeEncryptionKey(keyB))
      expect(Either.isLeft(yield* Effect.either(other.open(sealed)))).toBe(true)
      // Change a character inside the ciphertext (the last one may carry only padding bits).
      const at = sealed.lastIndexOf(".") + 3
      const flipped = sealed.slice(0, at) + (sealed[at] === "A" ? "B" : "A") + sealed.slice(at + 1)
      expect(Either.isLeft(yield* Effect.either(makeSecretBox(decodeEncryptionKey(keyA)).open(flipped)))).toBe(true)
    }))

  it.effect("without a key, values are stored plain, and a sealed value cannot be opened", () =>
    Effect.gen(function* () {
      const box = yield* SecretBox
      expect(box.sealing).toBe(false)
      expect(yield* box.open(yield* box.seal("x"))).toBe("x")
      const sealed = yield* makeSecretBox(decodeEncryptionKey(keyA)).seal("x")
      expect(Either.isLeft(yield* Effect.either(box.open(sealed)))).toBe(true)
      // A key set later still opens what was stored plain before.
      expect(yield* makeSecretBox(decodeEncryptionKey(keyA)).open("plain.x")).toBe("x")
    }))

  it("accepts 32 bytes as base64 or hex and refuses anything else", () => {
    expect(decodeEncryptionKey(keyA)).toHaveLength(32)
    expect(decodeEncryptionKey(keyB)).toHaveLength(32)
    expect(() => decodeEncryptionKey("short")).toThrow(/32 bytes/)
    expect(() => decodeEncryptionKey(Buffer.alloc(16).toString("base64"))).toThrow(/32 bytes/)
  })
})
