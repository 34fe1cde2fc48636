/** `withTransaction`: all or nothing, nesting, isolation and concurrent read-modify-write. */
import { Deferred, Effect, Fiber, Option } from "effect"
import { describe, expect, it } from "vitest"
import type { ProjectRecord } from "@billkit/core"
import {
  type CurrentStorage,
  customer,
  Customers,
  failureOf,
  isDefect,
  none,
  run,
  runExit,
  some,
  tenantA
} from "./fixtures.js"

const project: ProjectRecord = { id: "proj_tx", name: "Tx", createdAt: "2024-01-01T00:00:00.000Z", settings: {} }

export const transactionTests = (storage: CurrentStorage) =>
  describe("transactions", () => {
    const before = customer("cus_existing", { email: "existing@example.com", n: 1 })
    const changed = customer("cus_existing", { email: "changed@example.com", n: 2 })
    const added = customer("cus_added", { email: "added@example.com" })

    /** Inserts, updates and adds a project: the writes a rollback must all undo. */
    const writeAll = () => {
      const s = storage()
      return Effect.gen(function* () {
        yield* s.insert(Customers, tenantA, added)
        yield* s.update(Customers, tenantA, changed)
        yield* s.projects.insert(project)
      })
    }

    const expectUntouched = async () => {
      const s = storage()
      expect(await run(s.get(Customers, tenantA, "cus_added"))).toEqual(none)
      expect(await run(s.get(Customers, tenantA, "cus_existing"))).toEqual(some(before.data))
      expect(await run(s.findOne(Customers, tenantA, "email", "changed@example.com"))).toEqual(none)
      expect(await run(s.projects.get(project.id))).toEqual(none)
    }

    const setup = () => run(storage().insert(Customers, tenantA, before))

    it("commits every write together", async () => {
      await setup()
      const s = storage()
      expect(await run(s.withTransaction(Effect.as(writeAll(), "done")))).toBe("done")
      expect(await run(s.get(Customers, tenantA, "cus_added"))).toEqual(some(added.data))
      expect(await run(s.get(Customers, tenantA, "cus_existing"))).toEqual(some(changed.data))
      expect(await run(s.projects.get(project.id))).toEqual(some(project))
    })

    it("rolls back inserts and updates on a typed failure, which it passes on", async () => {
      await setup()
      const exit = await runExit(storage().withTransaction(Effect.zipRight(writeAll(), Effect.fail("boom" as const))))
      expect(failureOf(exit)).toBe("boom")
      await expectUntouched()
    })

    it("rolls back on a defect", async () => {
      await setup()
      const exit = await runExit(storage().withTransaction(Effect.zipRight(writeAll(), Effect.dieMessage("bug"))))
      expect(isDefect(exit)).toBe(true)
      await expectUntouched()
    })

    it("rolls back on interruption", async () => {
      await setup()
      const s = storage()
      await run(
        Effect.gen(function* () {
          const written = yield* Deferred.make<void>()
          const fiber = yield* Effect.fork(
            s.withTransaction(Effect.zipRight(writeAll(), Effect.zipRight(Deferred.succeed(written, undefined), Effect.never)))
          )
          yield* Deferred.await(written)
          yield* Fiber.interrupt(fiber)
        })
      )
      await expectUntouched()
    })

    it("rolls back the earlier writes when a unique violation ends the transaction", async () => {
      await setup()
      const s = storage()
      const exit = await runExit(
        s.withTransaction(
          Effect.zipRight(writeAll(), s.insert(Customers, tenantA, customer("cus_clash", { email: "added@example.com" })))
        )
      )
      expect(failureOf(exit)).toMatchObject({ _tag: "UniqueViolation", field: "email" })
      await expectUntouched()
    })

    it("carries on after a unique violation caught inside the transaction", async () => {
      await setup()
      const s = storage()
      const clash = customer("cus_clash", { email: "existing@example.com" })
      const outcome = await run(
        s.withTransaction(
          Effect.gen(function* () {
            yield* s.insert(Customers, tenantA, added)
            const onInsert = yield* s.insert(Customers, tenantA, clash).pipe(
              Effect.catchTag("UniqueViolation", (e) => Effect.succeed(e.field))
            )
            const onUpdate = yield* s.update(Customers, tenantA, customer("cus_added", { email: "existing@example.com" })).pipe(
              Effect.catchTag("UniqueViolation", (e) => Effect.succeed(e.field))
            )
            yield* s.update(Customers, tenantA, customer("cus_existing", { email: "existing@example.com", n: 3 }))
            return [onInsert, onUpdate]
          })
        )
      )
      expect(outcome).toEqual(["email", "email"])
      expect(await run(s.get(Customers, tenantA, "cus_added"))).toEqual(some(added.data))
      expect(Option.getOrThrow(await run(s.get(Customers, tenantA, "cus_existing"))).n).toBe(3)
      expect(await run(s.get(Customers, tenantA, "cus_clash"))).toEqual(none)
    })

    it("joins an outer transaction: the outer failure undoes the inner writes", async () => {
      await setup()
      const s = storage()
      const exit = await runExit(
        s.withTransaction(
          Effect.gen(function* () {
            yield* s.withTransaction(writeAll())
            // The inner transaction's writes are visible to the outer one...
            expect(yield* s.get(Customers, tenantA, "cus_added")).toEqual(some(added.data))
            return yield* Effect.fail("outer" as const)
          })
        )
      )
      // ...and undone with it.
      expect(failureOf(exit)).toBe("outer")
      await expectUntouched()
    })

    it("hides uncommitted writes from readers outside the transaction", async () => {
      await setup()
      const s = storage()
      const seen = await run(
        Effect.gen(function* () {
          const written = yield* Deferred.make<void>()
          const writer = yield* Effect.fork(
            s.withTransaction(
              Effect.gen(function* () {
                yield* writeAll()
                yield* Deferred.succeed(written, undefined)
                yield* Effect.sleep("50 millis")
                return yield* Effect.fail("abort" as const)
              })
            )
          )
          yield* Deferred.await(written)
          // From plain code, while the writer holds its transaction: no answer (it cannot wait),
          // or none, never the uncommitted record.
          const readNow = s.getNow?.(Customers, tenantA, "cus_added")
          const read = yield* s.get(Customers, tenantA, "cus_added")
          yield* Fiber.await(writer)
          return Option.isNone(read) && (readNow === undefined || Option.isNone(readNow)) ? none : some("seen")
        })
      )
      expect(seen).toEqual(none)
      await expectUntouched()
    })

    it("serializes concurrent read-modify-write through get(forUpdate) and update", async () => {
      const s = storage()
      const counter = (count: number) => customer("cus_counter", { email: "counter@example.com", count })
      await run(s.insert(Customers, tenantA, counter(0)))
      const increment = s.withTransaction(
        Effect.gen(function* () {
          const current = Option.getOrThrow(yield* s.get(Customers, tenantA, "cus_counter", { forUpdate: true }))
          yield* Effect.yieldNow()
          yield* s.update(Customers, tenantA, counter((current.count as number) + 1))
        })
      )
      const n = 20
      await run(Effect.all(Array.from({ length: n }, () => increment), { concurrency: "unbounded", discard: true }))
      expect(Option.getOrThrow(await run(s.get(Customers, tenantA, "cus_counter"))).count).toBe(n)
    })
  })
