/** A migrated Postgres storage on a fresh database of the test server, emptied between tests. */
import { makePostgresStorage } from "@billkit/postgres"
import { deleteAllRows } from "@billkit/sql"
import { createTestDatabase, type StorageUnderTest } from "@billkit/testing"

export const postgresUnderTest = async (max = 10): Promise<StorageUnderTest> => {
  const database = await createTestDatabase()
  const postgres = makePostgresStorage({ connectionString: database.url, max })
  await postgres.migrate()
  return {
    storage: postgres.storage,
    reset: () => deleteAllRows(postgres.db),
    close: async () => {
      await postgres.close()
      await database.drop()
    }
  }
}
