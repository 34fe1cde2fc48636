/** A migrated SQLite storage (in memory unless a file is named), emptied between tests. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { deleteAllRows } from "@billkit/sql"
import { makeSqliteStorage } from "@billkit/sqlite"
import type { StorageUnderTest } from "@billkit/testing"

export const sqliteUnderTest = async (filename = ":memory:"): Promise<StorageUnderTest> => {
  const sqlite = makeSqliteStorage({ filename })
  await sqlite.migrate()
  return { storage: sqlite.storage, reset: () => deleteAllRows(sqlite.db), close: sqlite.close }
}

/** The same on a file in a fresh directory, removed on close: as the example server runs it. */
export const sqliteFileUnderTest = async (): Promise<StorageUnderTest> => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-sqlite-"))
  const sqlite = await sqliteUnderTest(join(dir, "billkit.db"))
  return {
    ...sqlite,
    close: async () => {
      await sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
