import { deleteAllRows } from "@billkit/sql"
import { makeSqliteStorage } from "@billkit/sqlite"
import { usageConformance } from "@billkit/testing"

usageConformance("sqlite", async () => {
  const sqlite = makeSqliteStorage({ filename: ":memory:" })
  await sqlite.migrate()
  return { storage: sqlite.storage, reset: () => deleteAllRows(sqlite.db), close: sqlite.close }
})
