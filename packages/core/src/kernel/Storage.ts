/**
 * The storage port. Services speak to storage only through this interface; memory (in core),
 * SQLite and Postgres (in `@billkit/sql`) implement it, and one conformance suite
 * (`@billkit/testing`) defines its behaviour for all of them.
 *
 * Records are stored generically: tenancy (project, mode) and `id` as columns, a few indexed
 * columns per collection for filters and uniqueness, and the record itself as its encoded JSON.
 * Infrastructure failures are defects (they surface as a 500 with a request id); the only typed
 * failure is a unique-constraint violation, which services turn into a 409.
 */
import { Context, Data } from "effect"
import type { Effect, Option } from "effect"

export type Mode = "test" | "live"

export interface Tenant {
  readonly projectId: string
  readonly mode: Mode
}

/** Describes one collection: its table name and which fields are columns of their own. */
export interface CollectionSpec {
  /** Logical name; SQL tables are `billkit_<name>`. */
  readonly name: string
  /** Fields kept as their own nullable text columns, usable in `list` filters and `findOne`. */
  readonly indexed: ReadonlyArray<string>
  /** Indexed fields whose non-null values are unique within a tenant. */
  readonly unique: ReadonlyArray<string>
  /** Indexed fields whose non-null values are unique across all tenants (API key hashes). */
  readonly globallyUnique?: ReadonlyArray<string>
}

/** JSON-safe data: the record in its encoded (wire) form. */
export type Json = Record<string, unknown>

export interface StoredRecord {
  readonly id: string
  readonly data: Json
  /** Values of the collection's indexed fields; a missing key is stored as null. */
  readonly index: Readonly<Record<string, string | null>>
}

export interface ListQuery {
  /** Equality filters on indexed fields. */
  readonly where?: Readonly<Record<string, string>>
  /** Only ids greater than / less than or equal to these bounds (ids sort by creation time). */
  readonly idFrom?: string
  readonly idTo?: string
  /**
   * Only records whose indexed `field` lies within `from`…`to` (inclusive, either may be left
   * out), compared as text: ISO-8601 UTC timestamps of one format sort by time. Time filters use
   * it on `created_at`, the record's own time; an id's embedded time is not trusted for them.
   */
  readonly range?: { readonly field: string; readonly from?: string; readonly to?: string }
  readonly limit: number
  readonly startingAfter?: string
  readonly endingBefore?: string
  readonly includeTotal?: boolean
}

export interface ListResult {
  /** In ascending id order. */
  readonly data: ReadonlyArray<Json>
  readonly hasMore: boolean
  /** Count of all records matching `where`, the id bounds and the range, when `includeTotal` was asked. */
  readonly total?: number
}

/** Records whose `field` (an indexed text field, e.g. an ISO timestamp) is at most `upTo`. */
export interface DueQuery {
  readonly field: string
  /** Inclusive upper bound, compared as text: ISO-8601 UTC timestamps of one format sort by time. */
  readonly upTo: string
  readonly limit: number
  /**
   * Inside a transaction on Postgres, lock the rows picked (`FOR UPDATE SKIP LOCKED`), so that
   * concurrent workers each take different rows. Elsewhere transactions are serialized already.
   */
  readonly skipLocked?: boolean
}

export class UniqueViolation extends Data.TaggedError("UniqueViolation")<{
  readonly collection: string
  readonly field: string
}> {}

export interface ProjectRecord {
  readonly id: string
  readonly name: string
  readonly createdAt: string
  readonly settings: Json
}

export interface StoredResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export type IdempotencyClaim =
  | { readonly _tag: "Claimed" }
  | { readonly _tag: "InFlight" }
  | { readonly _tag: "Mismatch" }
  | { readonly _tag: "Completed"; readonly response: StoredResponse }

/** Times are epoch milliseconds. */
export interface IdempotencyClaimArgs {
  readonly scope: string
  readonly key: string
  readonly fingerprint: string
  readonly now: number
  readonly expiresAt: number
  readonly staleBefore: number
}

export interface IdempotencyStore {
  /**
   * Atomically claims `key` for a request with body `fingerprint`. A key whose claim expired
   * (`expiresAt` passed) or whose in-flight claim is older than `staleBefore` is claimed anew.
   */
  readonly claim: (args: IdempotencyClaimArgs) => Effect.Effect<IdempotencyClaim>
  /** Stores the response of a claimed key, so that later requests replay it. */
  readonly complete: (scope: string, key: string, response: StoredResponse) => Effect.Effect<void>
  /** Drops a claim whose request failed in a way a retry may fix (a 5xx, a 409 in flight). */
  readonly release: (scope: string, key: string) => Effect.Effect<void>
}

export interface RateLimitStore {
  /**
   * Counts one hit in the window of `bucket` that starts at `windowStart` (epoch ms) and returns
   * the count including this hit. `expiresAt` lets old windows be pruned.
   */
  readonly hit: (bucket: string, windowStart: number, expiresAt: number) => Effect.Effect<number>
  /** Deletes windows that expired before `now`. */
  readonly prune: (now: number) => Effect.Effect<void>
}

export interface ProjectStore {
  readonly insert: (project: ProjectRecord) => Effect.Effect<void>
  readonly get: (id: string) => Effect.Effect<Option.Option<ProjectRecord>>
  readonly count: Effect.Effect<number>
  /** Every project, oldest first: the billing loop visits each. */
  readonly all: Effect.Effect<ReadonlyArray<ProjectRecord>>
  /** The oldest project (lowest id), if any: single-tenant hosts (the example server) use it. */
  readonly first: Effect.Effect<Option.Option<ProjectRecord>>
}

export interface StoragePort {
  readonly dialect: "memory" | "sqlite" | "postgres"
  /** True when several processes may share this storage (rate limits must then be counted in it). */
  readonly sharedAcrossProcesses: boolean

  /**
   * Runs `self` in one transaction: every write it makes commits together or not at all (a
   * failure or defect rolls all of them back). Nested calls join the outer transaction. Readers
   * outside it never see its uncommitted writes (read committed).
   */
  readonly withTransaction: <A, E, R>(self: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

  readonly insert: (
    spec: CollectionSpec,
    tenant: Tenant,
    record: StoredRecord
  ) => Effect.Effect<void, UniqueViolation>
  /** Replaces a record's data and indexed values; fails with a defect if it does not exist. */
  readonly update: (
    spec: CollectionSpec,
    tenant: Tenant,
    record: StoredRecord
  ) => Effect.Effect<void, UniqueViolation>
  /** `forUpdate` locks the row until the transaction ends where the backend can (Postgres). */
  readonly get: (
    spec: CollectionSpec,
    tenant: Tenant,
    id: string,
    options?: { readonly forUpdate?: boolean }
  ) => Effect.Effect<Option.Option<Json>>
  /**
   * `get` without a lock, answered synchronously by storage that can (SQLite), as the stored JSON
   * text: undefined when it cannot answer now (a transaction holds the connection), and absent
   * on storage that never can. Callers then use `get`. For reads on the request path that need
   * not suspend a fiber.
   */
  readonly getNow?: (spec: CollectionSpec, tenant: Tenant, id: string) => Option.Option<string> | undefined
  readonly findOne: (
    spec: CollectionSpec,
    tenant: Tenant,
    field: string,
    value: string
  ) => Effect.Effect<Option.Option<Json>>
  /** Finds a record by a globally unique indexed field, whichever tenant holds it. */
  readonly findGlobal: (
    spec: CollectionSpec,
    field: string,
    value: string
  ) => Effect.Effect<Option.Option<{ readonly tenant: Tenant; readonly data: Json }>>
  readonly list: (spec: CollectionSpec, tenant: Tenant, query: ListQuery) => Effect.Effect<ListResult>
  /** Due records, ordered by `field` then id (see `DueQuery`). */
  readonly due: (spec: CollectionSpec, tenant: Tenant, query: DueQuery) => Effect.Effect<ReadonlyArray<Json>>
  /**
   * Inserts many records at once, skipping (not failing on) any whose id or unique field is
   * taken, including by an earlier record of the same batch. Returns the ids inserted, so a
   * caller can tell new records from duplicates (usage events deduplicated by `event_id`).
   */
  readonly insertMany: (
    spec: CollectionSpec,
    tenant: Tenant,
    records: ReadonlyArray<StoredRecord>
  ) => Effect.Effect<ReadonlyArray<string>>

  /**
   * Records whose `field` (`"id"` or an indexed field) is one of `values`, with their indexed
   * values, in id order: the billing loop prefetches a batch's rows with one query per table.
   * `forUpdate` locks them until the transaction ends where the backend can (Postgres).
   */
  readonly findMany: (
    spec: CollectionSpec,
    tenant: Tenant,
    field: string,
    values: ReadonlyArray<string>,
    options?: { readonly forUpdate?: boolean }
  ) => Effect.Effect<ReadonlyArray<StoredRecord>>
  /**
   * Replaces many records at once (one statement where the backend can). Unlike `update`, a
   * missing record or a unique clash is a defect, not a typed failure: callers that need to tell
   * them apart write one by one.
   */
  readonly updateMany: (
    spec: CollectionSpec,
    tenant: Tenant,
    records: ReadonlyArray<StoredRecord>
  ) => Effect.Effect<void>

  readonly projects: ProjectStore
  readonly idempotency: IdempotencyStore
  readonly rateLimits: RateLimitStore
}

export class Storage extends Context.Tag("@billkit/core/Storage")<Storage, StoragePort>() {}
