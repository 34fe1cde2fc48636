/**
 * The storage port on Kysely, shared by SQLite and Postgres. The dialect packages supply the
 * connection and its traits; everything else, including transactions, lives here.
 */
import type { Kysely } from "kysely"
import type { StoragePort } from "@billkit/core"
import type { SqlDialect } from "./internal/dialect.js"
import { makeBulkRecords } from "./internal/bulkRecords.js"
import { makeIdempotencyStore } from "./internal/idempotencyStore.js"
import { makeListRecords } from "./internal/listRecords.js"
import { makeProjectStore } from "./internal/projectStore.js"
import { makeRateLimitStore } from "./internal/rateLimitStore.js"
import { makeRecordStore } from "./internal/recordStore.js"
import { makeSqlExecutor, type RunSync } from "./internal/SqlExecutor.js"

export type { RunSync, SqlDialect }

export interface SqlTraits {
  readonly dialect: SqlDialect
  /** True when several processes may use the database at once (see `StoragePort`). */
  readonly sharedAcrossProcesses: boolean
  /**
   * Runs SQL synchronously on the one connection (SQLite through better-sqlite3), so the hot
   * statements skip Kysely's async driver. Without it they go through Kysely.
   */
  readonly runSync?: RunSync
}

/** Storage on `db`, whose schema `migrate` has brought up to date. */
export const makeSqlStorage = (db: Kysely<any>, traits: SqlTraits): StoragePort => {
  const executor = makeSqlExecutor(db, traits.dialect, traits.runSync)
  return {
    dialect: traits.dialect,
    sharedAcrossProcesses: traits.sharedAcrossProcesses,
    withTransaction: executor.withTransaction,
    ...makeRecordStore(executor),
    list: makeListRecords(executor),
    ...makeBulkRecords(executor),
    projects: makeProjectStore(executor),
    idempotency: makeIdempotencyStore(executor),
    rateLimits: makeRateLimitStore(executor)
  }
}
