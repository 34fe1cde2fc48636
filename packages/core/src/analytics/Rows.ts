/** Reading and locking analytics' own rows: shared by the ledger writers and the read side. */
import { Effect, Option } from "effect"
import type { CurrentTenant } from "../kernel/Tenancy.js"

interface Keyed<A> {
  readonly find: (id: string, forUpdate?: boolean) => Effect.Effect<Option.Option<A>, never, CurrentTenant>
  readonly insertMany: (records: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<string>, never, CurrentTenant>
}

/**
 * A rollup row, locked until the transaction ends (Postgres), created as `empty` when missing: a
 * concurrent creator's insert waits on ours, skips, then finds and locks the row.
 */
export const lockOrCreate = <A extends { readonly id: string }>(repo: Keyed<A>, empty: A) =>
  Effect.gen(function*() {
    const found = yield* repo.find(empty.id, true)
    if (Option.isSome(found)) return found.value
    if ((yield* repo.insertMany([empty])).length === 1) return empty
    const again = yield* repo.find(empty.id, true)
    return Option.isSome(again) ? again.value : yield* Effect.dieMessage(`${empty.id} vanished`)
  })

type Paged<A> = { readonly data: ReadonlyArray<A>; readonly hasMore: boolean; readonly nextCursor: string | null }

/** Every record a paged `list` answers, a page at a time. */
export const everyPage = <A extends { readonly id: string }, R>(list: (cursor: string | undefined) => Effect.Effect<Paged<A>, never, R>) =>
  Effect.gen(function*() {
    const out: Array<A> = []
    let cursor: string | undefined
    for (;;) {
      const page = yield* list(cursor)
      out.push(...page.data)
      if (!page.hasMore || page.nextCursor === null) return out
      cursor = page.nextCursor
    }
  })

/** The page request after `cursor`, 1,000 records. */
export const pageAfter = (cursor: string | undefined) => ({ limit: 1000, ...(cursor === undefined ? {} : { startingAfter: cursor }) })
