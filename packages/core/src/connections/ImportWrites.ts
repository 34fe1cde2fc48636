/**
 * One import page's writes: the collections it writes, and the writes it holds until the page is
 * imported, then sends set-wise in the page's transaction.
 */
import { Effect, type Option } from "effect"
import type { IdKind } from "../kernel/Ids.js"
import { providerLinkIndex } from "../kernel/ProviderLink.js"
import type { CurrentTenant } from "../kernel/Tenancy.js"

/** What the import needs of a repository: set-wise reads and writes (kernel/Repository.ts). */
export interface ImportRepository<A extends Linked> {
  readonly findMany: (field: string, values: ReadonlyArray<string>, forUpdate?: boolean) => Effect.Effect<ReadonlyArray<A>, never, CurrentTenant>
  readonly findBy: (field: string, value: string) => Effect.Effect<Option.Option<A>, never, CurrentTenant>
  readonly insertMany: (records: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<string>, never, CurrentTenant>
  readonly updateMany: (records: ReadonlyArray<A>) => Effect.Effect<void, never, CurrentTenant>
}

export type Linked = { readonly id: string } & Parameters<typeof providerLinkIndex>[0]

/**
 * A collection the import writes: its repository, id kind, and what the run's cache keeps of a
 * record. `locked`: the page reads its existing records locked, so that it decides on their latest
 * committed state (a subscription another transaction is migrating or taking over).
 */
export interface ImportCollection<A extends Linked, R> {
  readonly repo: ImportRepository<A>
  readonly kind: IdKind
  readonly keep: (record: A) => R
  readonly locked: boolean
}

export const collection = <A extends Linked, R>(repo: ImportRepository<A>, kind: IdKind, keep: (record: A) => R, locked = false): ImportCollection<A, R> =>
  ({ repo, kind, keep, locked })

/** The `provider_key` a record is stored under (null for Billkit's own records). */
export const keyOf = (record: Linked): string | null => providerLinkIndex(record).provider_key

/**
 * One page's writes, held until the page is imported and then sent set-wise: one `insertMany`
 * and one `updateMany` per collection, in the order the collections were first written (a
 * product before its plan). A record inserted then changed in the same page goes out once.
 */
export const makePageWrites = () => {
  const byRepository = new Map<ImportRepository<any>, { readonly inserts: Map<string, Linked>; readonly updates: Map<string, Linked> }>()
  const of = (repo: ImportRepository<any>) => {
    let writes = byRepository.get(repo)
    if (writes === undefined) byRepository.set(repo, writes = { inserts: new Map(), updates: new Map() })
    return writes
  }
  return {
    insert: <A extends Linked>(repo: ImportRepository<A>, record: A) => void of(repo).inserts.set(record.id, record),
    update: <A extends Linked>(repo: ImportRepository<A>, record: A) => {
      const writes = of(repo)
      if (writes.inserts.has(record.id)) writes.inserts.set(record.id, record)
      else writes.updates.set(record.id, record)
    },
    flush: Effect.forEach(byRepository, ([repo, { inserts, updates }]) =>
      Effect.gen(function*() {
        const inserted = yield* repo.insertMany([...inserts.values()])
        // A clash means another writer made the same record since the page's lookup: the page's transaction must not commit.
        if (inserted.length !== inserts.size) return yield* Effect.dieMessage(`${inserts.size - inserted.length} of a page's imported records clashed with stored ones`)
        yield* repo.updateMany([...updates.values()])
      }), { discard: true })
  }
}

