/**
 * Report runs: a CSV export of one kind of record over a time window. A run writes its file as
 * numbered chunks of CSV rows in storage (one chunk per page read), so neither the run nor the
 * download ever holds more than a page, whatever the size, and the file is a snapshot of the
 * records as they were when it ran, on every backend, readable by any process.
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { InstantInput } from "../../kernel/Instant.js"
import { optionalWire, Timestamp, strict } from "../../kernel/Wire.js"

export const ReportType = Schema.Literal("invoices", "payments", "refunds", "mrr_movements", "customers", "usage_events")
export type ReportType = typeof ReportType.Type

export const ReportStatus = Schema.Literal("running", "succeeded", "failed")

export const Report = Schema.Struct({
  id: Id("report"),
  object: Schema.Literal("report"),
  type: ReportType,
  from: Schema.NullOr(Timestamp),
  to: Schema.NullOr(Timestamp),
  connection: Schema.NullOr(Schema.String),
  status: ReportStatus,
  /** Data rows written so far (the header row not counted). */
  rows: Schema.Int,
  error: Schema.NullOr(Schema.String),
  created: Timestamp,
  finished: Schema.NullOr(Timestamp)
}).annotations({ identifier: "Report" })
export type Report = typeof Report.Type

/**
 * A run as stored: the public fields, and where its worker is (never answered: encoding a
 * stored run as `Report` drops them). A worker holds the run until `leaseUntil`, moving it on with
 * every chunk it commits; a run still `running` past its lease lost its worker (a dead process)
 * and the next worker takes it up after its last committed chunk (`resumeAfter`, `chunks`).
 */
export const StoredReport = Schema.Struct({
  ...Report.fields,
  leaseUntil: optionalWire("lease_until", Schema.NullOr(Timestamp)),
  /** The source cursor after the last committed chunk (null: from the start). */
  resumeAfter: optionalWire("resume_after", Schema.NullOr(Schema.String)),
  /** Chunks committed: the next chunk's sequence number. */
  chunks: Schema.optional(Schema.Int)
}).annotations({ identifier: "StoredReport" })
export type StoredReport = typeof StoredReport.Type

export const ReportCreate = Schema.Struct({
  type: ReportType,
  from: Schema.optional(InstantInput),
  to: Schema.optional(InstantInput),
  connection: Schema.optional(Schema.String)
}).annotations({ identifier: "ReportCreate", ...strict })
export type ReportCreate = typeof ReportCreate.Type

/** A run's rows `seq` of its file: the chunk's id is `<report id>:<seq, 8 digits>`, so ids sort in file order. */
export const ReportChunk = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("report_chunk"),
  report: Schema.String,
  rows: Schema.Int,
  csv: Schema.String
}).annotations({ identifier: "ReportChunk" })
export type ReportChunk = typeof ReportChunk.Type

export const chunkId = (report: string, seq: number) => `${report}:${String(seq).padStart(8, "0")}`

