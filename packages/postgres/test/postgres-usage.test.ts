import { makePostgresStorage } from "@billkit/postgres"
import { deleteAllRows } from "@billkit/sql"
import { createTestDatabase, usageConformance } from "@billkit/testing"

usageConformance("postgres", async () => {
  const database = await createTestDatabase()
  const postgres = makePostgresStorage({ connectionString: database.url, max: 10 })
  await postgres.migrate()
  return {
    storage: postgres.storage,
    reset: () => deleteAllRows(postgres.db),
    close: async () => {
      await postgres.close()
      await database.drop()
    }
  }
})
