import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { deleteAllRows } from "@billkit/sql"
import { makeSqliteStorage } from "@billkit/sqlite"
import { storageConformance } from "@billkit/testing"

const connect = async (filename: string) => {
  const sqlite = makeSqliteStorage({ filename })
  await sqlite.migrate()
  return sqlite
}

storageConformance("sqlite file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-sqlite-"))
  const sqlite = await connect(join(dir, "billkit.db"))
  return {
    storage: sqlite.storage,
    reset: () => deleteAllRows(sqlite.db),
    close: async () => {
      await sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
})

storageConformance("sqlite :memory:", async () => {
  const sqlite = await connect(":memory:")
  return { storage: sqlite.storage, reset: () => deleteAllRows(sqlite.db), close: sqlite.close }
})
