export { storageConformance, type StorageUnderTest } from "./storageConformance.js"
export { createTestDatabase, testPostgresUrl, type TestDatabase } from "./TestDatabase.js"
export { PostgresNotFound, startPostgresServer, type PostgresServer } from "./PostgresServer.js"
export { mountConformance, type MountedServer } from "./mountConformance.js"
