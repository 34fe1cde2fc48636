/** A migrated SQLite storage (in memory unless a file is named), emptied between tests. */
import { deleteAllRows } from "@billkit/sql"
import { makeSqliteStorage } from "@billkit/sqlite"
import type { StorageUnderTest } from "@billkit/testing"

export const sqliteUnderTest = async (filename = ":memory:"): Promise<StorageUnderTest> => {
  const sqlite = makeSqliteStorage({ filename })
  await sqlite.migrate()
  return { storage: sqlite.storage, reset: () => deleteAllRows(sqlite.db), close: sqlite.close }
}
