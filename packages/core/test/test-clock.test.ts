/** Services read time only from Effect's Clock, so TestClock moves every timestamp they write. */
import { it } from "@effect/vitest"
import { Effect, Layer, TestClock } from "effect"
import { describe, expect } from "vitest"
import { CurrentTenant, Customers, ServicesLive, layerMemory } from "@billkit/core"

const TestServices = ServicesLive.pipe(Layer.provideMerge(layerMemory))

describe("time", () => {
  it.effect("comes from TestClock: created_at, updated_at and id order follow it", () =>
    Effect.gen(function*() {
      const customers = yield* Customers
      yield* TestClock.setTime(Date.UTC(2024, 1, 29, 12, 0, 0))
      const created = yield* customers.create({ email: "leap@example.com" })
      expect(created.createdAt).toBe("2024-02-29T12:00:00.000Z")
      yield* TestClock.adjust("31 days")
      const updated = yield* customers.update(created.id, { name: "Leap" })
      expect(updated.updatedAt).toBe("2024-03-31T12:00:00.000Z")
      expect(updated.createdAt).toBe("2024-02-29T12:00:00.000Z")
    }).pipe(Effect.provide(TestServices), Effect.provideService(CurrentTenant, { projectId: "proj_1", mode: "test" })))
})
