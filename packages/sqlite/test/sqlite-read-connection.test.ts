/**
 * A SQLite file has a read-only second connection: a read outside any transaction answers from
 * the last committed state at once, instead of waiting for an open transaction (a billing batch,
 * an ingestion batch) to end. In memory there is no second connection, and such a read waits.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Deferred, Effect, Fiber, Option } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { Collections, type StoredRecord } from "@billkit/core"
import { makeSqliteStorage, type SqliteStorage } from "@billkit/sqlite"

const tenant = { projectId: "proj_read", mode: "test" } as const
const customer = (id: string, email: string): StoredRecord => ({ id, data: { id, object: "customer", email }, index: { email } })

const opened: Array<{ sqlite: SqliteStorage; dir?: string }> = []
afterEach(async () => {
  for (const { sqlite, dir } of opened.splice(0)) {
    await sqlite.close()
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true })
  }
})

const open = async (where: "file" | "memory") => {
  const dir = where === "file" ? mkdtempSync(join(tmpdir(), "billkit-read-")) : undefined
  const sqlite = makeSqliteStorage({ filename: dir === undefined ? ":memory:" : join(dir, "billkit.db") })
  opened.push(dir === undefined ? { sqlite } : { sqlite, dir })
  await sqlite.migrate()
  await Effect.runPromise(sqlite.storage.insert(Collections.Customers, tenant, customer("cus_old", "old@example.com")))
  return sqlite.storage
}

/**
 * A transaction that changes `cus_old` and adds `cus_new`, then holds until `release`; meanwhile
 * `read` runs outside it. Answers what the read saw, and whether the transaction was still open then.
 */
const readDuringTransaction = <A>(storage: Awaited<ReturnType<typeof open>>, read: Effect.Effect<A>) =>
  Effect.gen(function*() {
    const written = yield* Deferred.make<void>()
    const release = yield* Deferred.make<void>()
    let open = true
    const writer = yield* Effect.fork(storage.withTransaction(Effect.gen(function*() {
      yield* storage.update(Collections.Customers, tenant, customer("cus_old", "changed@example.com"))
      yield* storage.insert(Collections.Customers, tenant, customer("cus_new", "new@example.com"))
      yield* Deferred.succeed(written, undefined)
      yield* Deferred.await(release)
    })).pipe(Effect.ensuring(Effect.sync(() => (open = false)))))
    yield* Deferred.await(written)
    const reader = yield* Effect.fork(Effect.map(read, (seen) => ({ seen, whileOpen: open })))
    // Give a read that answers at once its chance, then let the writer commit.
    yield* Effect.sleep("100 millis")
    const answeredBeforeRelease = Option.isSome(yield* Fiber.poll(reader))
    yield* Deferred.succeed(release, undefined)
    yield* Fiber.join(writer)
    return { ...(yield* Fiber.join(reader)), answeredBeforeRelease }
  })

const emailOf = (found: Option.Option<unknown>) => Option.map(found, (data) => (data as { email: string }).email)

describe("SQLite reads outside a transaction", () => {
  it("on a file: answer at once, from the committed state, while a transaction holds the writer", async () => {
    const storage = await open("file")
    const read = Effect.all([storage.get(Collections.Customers, tenant, "cus_old"), storage.get(Collections.Customers, tenant, "cus_new")]).pipe(Effect.orDie)
    const { seen, whileOpen, answeredBeforeRelease } = await Effect.runPromise(readDuringTransaction(storage, read))
    expect(answeredBeforeRelease).toBe(true)
    expect(whileOpen).toBe(true)
    expect(emailOf(seen[0])).toEqual(Option.some("old@example.com"))
    expect(seen[1]).toEqual(Option.none())
    // Once committed, the read connection sees the writes.
    expect(emailOf(await Effect.runPromise(storage.get(Collections.Customers, tenant, "cus_old")))).toEqual(Option.some("changed@example.com"))
    expect(emailOf(await Effect.runPromise(storage.findOne(Collections.Customers, tenant, "email", "new@example.com")))).toEqual(Option.some("new@example.com"))
  })

  it("on a file: a write outside a transaction still waits for the open one, and commits after it", async () => {
    const storage = await open("file")
    const write = storage.insert(Collections.Customers, tenant, customer("cus_other", "other@example.com")).pipe(Effect.orDie)
    const { whileOpen, answeredBeforeRelease } = await Effect.runPromise(readDuringTransaction(storage, write))
    expect(answeredBeforeRelease).toBe(false)
    expect(whileOpen).toBe(false)
    expect(Option.isSome(await Effect.runPromise(storage.get(Collections.Customers, tenant, "cus_other")))).toBe(true)
  })

  it("in memory (one connection): the read waits for the transaction and sees its writes", async () => {
    const storage = await open("memory")
    const read = storage.get(Collections.Customers, tenant, "cus_old").pipe(Effect.orDie)
    const { seen, whileOpen, answeredBeforeRelease } = await Effect.runPromise(readDuringTransaction(storage, read))
    expect(answeredBeforeRelease).toBe(false)
    expect(whileOpen).toBe(false)
    expect(emailOf(seen)).toEqual(Option.some("changed@example.com"))
  })
})
