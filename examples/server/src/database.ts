/** Opens the configured database through its storage package and brings its schema up to date. */
import type { StoragePort } from "@billkit/core"
import { makePostgresStorage } from "@billkit/postgres"
import { makeSqliteStorage } from "@billkit/sqlite"
import type { DatabaseConfig } from "./config.js"

export interface Database {
  readonly storage: StoragePort
  readonly close: () => Promise<void>
}

const open = (config: DatabaseConfig) =>
  config.kind === "sqlite"
    ? makeSqliteStorage({ filename: config.filename })
    : makePostgresStorage({ connectionString: config.connectionString })

export const openDatabase = async (config: DatabaseConfig): Promise<Database> => {
  const opened = open(config)
  try {
    await opened.migrate()
  } catch (cause) {
    // A failed start must not leave a pool holding the process open.
    await opened.close().catch(() => {})
    throw cause
  }
  return { storage: opened.storage, close: opened.close }
}
