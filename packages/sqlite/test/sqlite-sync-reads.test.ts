// On SQLite a read outside a transaction runs at once when nobody holds the connection: no
// suspension of the fiber, no turn through the scheduler. It still waits for an open transaction.
// `getNow`, the same read from plain code (the stored text), answers nothing while a transaction is open.
import { Collections, type Json } from "@billkit/core"
import { Deferred, Effect, type Exit, Fiber, Option } from "effect"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { sqliteFileUnderTest } from "./support.js"
import type { StorageUnderTest } from "@billkit/testing"

const tenant = { projectId: "proj_sync", mode: "test" } as const
const record = (email: string) => ({ id: "cus_sync", data: { id: "cus_sync", object: "customer", email }, index: { email } })
const emailOf = (found: Option.Option<Json>) => Option.map(found, (data) => (data as { email: string }).email)

describe("sqlite reads outside a transaction", () => {
  let under: StorageUnderTest
  beforeEach(async () => {
    under = await sqliteFileUnderTest()
    await Effect.runPromise(under.storage.insert(Collections.Customers, tenant, record("first@example.com")))
  })
  afterEach(() => under.close())

  /** Runs `during` while a transaction holds the connection, having written the second email. */
  const whileAWriterHolds = <A>(during: Effect.Effect<A>) => {
    const s = under.storage
    return Effect.runPromise(Effect.gen(function*() {
      const written = yield* Deferred.make<void>()
      const writer = yield* Effect.fork(s.withTransaction(Effect.gen(function*() {
        yield* s.update(Collections.Customers, tenant, record("second@example.com"))
        yield* Deferred.succeed(written, undefined)
        yield* Effect.sleep("20 millis")
      })))
      yield* Deferred.await(written)
      const result = yield* during
      yield* Fiber.join(writer)
      return result
    }))
  }

  it("run synchronously while no transaction is open", () => {
    // With the default scheduler, a fiber that suspends even once (taking a free semaphore
    // does) has not finished when runFork returns.
    const read = Effect.runFork(under.storage.get(Collections.Customers, tenant, "cus_sync"))
    const done = read.unsafePoll()
    expect(done?._tag).toBe("Success")
    expect(emailOf((done as Exit.Success<Option.Option<Json>, never>).value)).toEqual(Option.some("first@example.com"))
  })

  it("still wait for an open transaction, and then see only what it committed", async () => {
    const s = under.storage
    const seen = await whileAWriterHolds(Effect.gen(function*() {
      // This read cannot finish at once: the writer holds the connection.
      expect(Effect.runFork(s.get(Collections.Customers, tenant, "cus_sync")).unsafePoll()).toBeNull()
      // It waits for the commit.
      return yield* s.get(Collections.Customers, tenant, "cus_sync")
    }))
    expect(emailOf(seen)).toEqual(Option.some("second@example.com"))
    // Once the writer is done, reads are synchronous again.
    expect(Effect.runFork(s.get(Collections.Customers, tenant, "cus_sync")).unsafePoll()?._tag).toBe("Success")
  })

  it("answer from plain code through getNow, and not while a transaction holds the connection", async () => {
    const s = under.storage
    const getNow = s.getNow!
    const emailNow = () => emailOf(Option.map(getNow(Collections.Customers, tenant, "cus_sync")!, (text) => JSON.parse(text) as Json))
    expect(emailNow()).toEqual(Option.some("first@example.com"))
    expect(getNow(Collections.Customers, tenant, "cus_missing")).toEqual(Option.none())
    expect(getNow(Collections.Customers, { ...tenant, projectId: "proj_other" }, "cus_sync")).toEqual(Option.none())
    // The writer's update is on the connection, uncommitted: getNow must not read it.
    const during = await whileAWriterHolds(Effect.sync(() => getNow(Collections.Customers, tenant, "cus_sync")))
    expect(during).toBeUndefined()
    expect(emailNow()).toEqual(Option.some("second@example.com"))
  })
})
