/** Fixed-window rate-limit counters. */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { type CurrentStorage, run } from "./fixtures.js"

const W0 = 1_700_000_000_000

export const rateLimitTests = (storage: CurrentStorage) =>
  describe("rate limits", () => {
    const hit = (bucket: string, windowStart: number, expiresAt = windowStart + 2_000) =>
      run(storage().rateLimits.hit(bucket, windowStart, expiresAt))

    it("counts hits per bucket and window", async () => {
      expect(await hit("key_a", W0)).toBe(1)
      expect(await hit("key_a", W0)).toBe(2)
      expect(await hit("key_a", W0)).toBe(3)
      expect(await hit("key_a", W0 + 1_000)).toBe(1)
      expect(await hit("key_b", W0)).toBe(1)
      expect(await hit("key_a", W0)).toBe(4)
    })

    it("counts concurrent hits exactly", async () => {
      const s = storage()
      const counts = await run(
        Effect.all(
          Array.from({ length: 50 }, () => s.rateLimits.hit("key_hot", W0, W0 + 2_000)),
          { concurrency: "unbounded" }
        )
      )
      expect([...counts].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
      expect(await hit("key_hot", W0)).toBe(51)
    })

    it("prunes expired windows only", async () => {
      await hit("key_a", W0, W0 + 1_000)
      await hit("key_a", W0, W0 + 1_000)
      await hit("key_a", W0 + 1_000, W0 + 60_000)
      await run(storage().rateLimits.prune(W0 + 30_000))
      expect(await hit("key_a", W0, W0 + 1_000)).toBe(1)
      expect(await hit("key_a", W0 + 1_000, W0 + 60_000)).toBe(2)
    })
  })
