import { deleteAllRows } from "@billkit/sql"
import { makeSqliteStorage } from "@billkit/sqlite"
import { billingScenarios } from "@billkit/testing"

billingScenarios("sqlite", async () => {
  const sqlite = makeSqliteStorage({ filename: ":memory:" })
  await sqlite.migrate()
  return { storage: sqlite.storage, reset: () => deleteAllRows(sqlite.db), close: sqlite.close }
})
