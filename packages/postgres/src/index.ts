export { layerPostgres, makePostgresStorage, type PostgresOptions, type PostgresStorage } from "./PostgresStorage.js"
