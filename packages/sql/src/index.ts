export { makeSqlStorage, type RunSync, type SqlDialect, type SqlTraits } from "./SqlStorage.js"
export {
  migrate,
  migrateEffect,
  MigrationError,
  migrations,
  migrationLockTableName,
  migrationTableName
} from "./Migrations.js"
export { dialectOf } from "./internal/dialect.js"
export { SqlError } from "./internal/SqlExecutor.js"
export { deleteAllRows, recordTables, tables } from "./Tables.js"
export { layerStorage, type OpenedStorage } from "./StorageLayer.js"
