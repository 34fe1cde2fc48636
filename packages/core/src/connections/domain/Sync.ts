/**
 * A sync: one import run of a connection's account. It walks each object type in order, a page
 * at a time; each page's objects and the type's cursor commit together, so a run that dies
 * continues after the last page it committed, and re-running updates what is stored instead of
 * adding to it (objects are keyed by connection and provider id).
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Timestamp, wire } from "../../kernel/Wire.js"

export const SyncedTypeSchema = Schema.Literal(
  "customers", "products", "prices", "subscriptions", "invoices", "charges", "refunds", "balance_transactions"
)

export const SyncStatus = Schema.Literal("pending", "running", "succeeded", "failed").annotations({
  description: "`pending` until a worker takes it up; `running`; `succeeded` or `failed` once finished."
})

export const TypeProgress = Schema.Struct({
  type: SyncedTypeSchema,
  status: Schema.Literal("pending", "running", "done"),
  /** The last provider id committed: where a resumed run continues. */
  cursor: Schema.NullOr(Schema.String),
  /** Objects seen this run; `created` were new to Billkit, `updated` were stored already. */
  imported: Schema.Int,
  created: Schema.Int,
  updated: Schema.Int
}).annotations({ identifier: "SyncTypeProgress" })
export type TypeProgress = typeof TypeProgress.Type

export const SyncError = Schema.Struct({
  type: Schema.NullOr(SyncedTypeSchema),
  message: Schema.String,
  at: Timestamp
}).annotations({ identifier: "SyncError" })

/** One difference between Billkit's ledger and the provider's, found by the sync. */
export const Drift = Schema.Struct({
  kind: Schema.Literal("missing_in_provider", "missing_in_billkit", "amount_mismatch", "status_mismatch", "refunded_mismatch"),
  /** The Billkit record (`pay_…`, `re_…`), if there is one. */
  record: Schema.NullOr(Schema.String),
  /** The provider's object (`ch_…`, `re_…`), if there is one. */
  providerId: wire("provider_id", Schema.NullOr(Schema.String)),
  billkit: Schema.NullOr(Schema.String),
  provider: Schema.NullOr(Schema.String)
}).annotations({ identifier: "Drift", description: "`billkit` and `provider` say what each side holds (an amount, a status)." })
export type Drift = typeof Drift.Type

export const Sync = Schema.Struct({
  id: Id("sync"),
  object: Schema.Literal("sync"),
  connection: Schema.String,
  status: SyncStatus,
  /** Objects imported this run, per type. */
  counts: Schema.Record({ key: Schema.String, value: Schema.Int }),
  progress: Schema.Array(TypeProgress),
  /** How often the provider answered 429 and the run backed off. */
  rateLimited: wire("rate_limited", Schema.Int),
  errors: Schema.Array(SyncError),
  drift: Schema.Array(Drift),
  createdAt: wire("created_at", Timestamp),
  startedAt: wire("started_at", Schema.NullOr(Timestamp)),
  finishedAt: wire("finished_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "Sync" })
export type Sync = typeof Sync.Type

/** The stored run: the public fields and when a worker may take it up (again). */
export const StoredSync = Schema.Struct({
  ...Sync.fields,
  /** Pending: its creation; running: when the current worker's lease ends; finished: null. */
  dueAt: wire("due_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "StoredSync" })
export type StoredSync = typeof StoredSync.Type

export const toPublicSync = ({ dueAt: _dueAt, ...sync }: StoredSync): Sync => sync

/** A provider object as stored, one per connection and provider id. */
export const StoredProviderObject = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("provider_object"),
  connection: Schema.String,
  type: SyncedTypeSchema,
  providerId: wire("provider_id", Schema.String),
  createdAt: wire("created_at", Timestamp),
  customer: Schema.NullOr(Schema.String),
  amount: Schema.NullOr(Schema.Number),
  currency: Schema.NullOr(Schema.String),
  status: Schema.NullOr(Schema.String),
  refunded: Schema.NullOr(Schema.Number),
  charge: Schema.NullOr(Schema.String),
  paymentIntent: wire("payment_intent", Schema.NullOr(Schema.String)),
  data: Schema.Record({ key: Schema.String, value: Schema.Unknown }),
  syncedAt: wire("synced_at", Timestamp)
}).annotations({ identifier: "ProviderObject" })
export type StoredProviderObject = typeof StoredProviderObject.Type

export const objectId = (connection: string, providerId: string) => `${connection}:${providerId}`
