/** Idempotency keys: claim, replay, mismatch, release, expiry, staleness and races. */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { IdempotencyClaim, StoredResponse } from "@billkit/core"
import { type CurrentStorage, run } from "./fixtures.js"

const response: StoredResponse = {
  status: 201,
  headers: { "content-type": "application/json", "x-request-id": "req_1" },
  body: JSON.stringify({ id: "cus_1", name: "Zoë 🚀" })
}

// A claim at time `now` that expires an hour later and counts in-flight claims older than a
// minute as stale.
const at = (now: number, fingerprint = "fp_1", key = "key_1", scope = "proj_a:test") => ({
  scope,
  key,
  fingerprint,
  now,
  expiresAt: now + 3_600_000,
  staleBefore: now - 60_000
})

const T0 = 1_700_000_000_000

export const idempotencyTests = (storage: CurrentStorage) =>
  describe("idempotency", () => {
    const claim = (args: ReturnType<typeof at>) => run(storage().idempotency.claim(args))

    it("claims a new key, then reports it in flight", async () => {
      expect(await claim(at(T0))).toEqual({ _tag: "Claimed" })
      expect(await claim(at(T0 + 1_000))).toEqual({ _tag: "InFlight" })
    })

    it("reports a mismatch for another body, in flight or completed", async () => {
      await claim(at(T0))
      expect(await claim(at(T0 + 1_000, "fp_other"))).toEqual({ _tag: "Mismatch" })
      await run(storage().idempotency.complete("proj_a:test", "key_1", response))
      expect(await claim(at(T0 + 2_000, "fp_other"))).toEqual({ _tag: "Mismatch" })
    })

    it("replays the stored response once completed", async () => {
      await claim(at(T0))
      await run(storage().idempotency.complete("proj_a:test", "key_1", response))
      expect(await claim(at(T0 + 1_000))).toEqual({ _tag: "Completed", response })
      // Staleness concerns in-flight claims only.
      expect(await claim({ ...at(T0 + 120_000), staleBefore: T0 + 100_000 })).toEqual({ _tag: "Completed", response })
    })

    it("lets a released key be claimed again, with any body", async () => {
      await claim(at(T0))
      await run(storage().idempotency.release("proj_a:test", "key_1"))
      expect(await claim(at(T0 + 1_000, "fp_other"))).toEqual({ _tag: "Claimed" })
      expect(await claim(at(T0 + 2_000, "fp_other"))).toEqual({ _tag: "InFlight" })
    })

    it("lets an expired key be claimed again, completed or not", async () => {
      await claim(at(T0))
      await run(storage().idempotency.complete("proj_a:test", "key_1", response))
      const later = T0 + 3_600_000 + 1
      expect(await claim(at(later, "fp_other"))).toEqual({ _tag: "Claimed" })
      expect(await claim(at(later + 1, "fp_other"))).toEqual({ _tag: "InFlight" })
    })

    it("lets a stale in-flight claim be taken over, but not a fresh one", async () => {
      await claim(at(T0))
      expect(await claim({ ...at(T0 + 30_000), staleBefore: T0 - 1 })).toEqual({ _tag: "InFlight" })
      expect(await claim({ ...at(T0 + 30_000), staleBefore: T0 + 1 })).toEqual({ _tag: "Claimed" })
      // The takeover is itself a fresh claim.
      expect(await claim({ ...at(T0 + 31_000), staleBefore: T0 + 1 })).toEqual({ _tag: "InFlight" })
    })

    it("keeps keys of different scopes apart", async () => {
      expect(await claim(at(T0, "fp_1", "key_1", "proj_a:test"))).toEqual({ _tag: "Claimed" })
      expect(await claim(at(T0, "fp_1", "key_1", "proj_a:live"))).toEqual({ _tag: "Claimed" })
      expect(await claim(at(T0, "fp_1", "key_2", "proj_a:test"))).toEqual({ _tag: "Claimed" })
    })

    it("grants exactly one of many concurrent claims", async () => {
      const s = storage()
      const claims = await run(
        Effect.all(
          Array.from({ length: 20 }, () => s.idempotency.claim(at(T0, "fp_1", "key_race"))),
          { concurrency: "unbounded" }
        )
      )
      const tags = claims.map((c: IdempotencyClaim) => c._tag)
      expect(tags.filter((t) => t === "Claimed")).toHaveLength(1)
      expect(tags.filter((t) => t === "InFlight")).toHaveLength(19)
    })
  })
