export { layerSqlite, makeSqliteStorage, type SqliteOptions, type SqliteStorage } from "./SqliteStorage.js"
