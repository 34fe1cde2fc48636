/** For tests and the benchmark: start the example server in-process. */
export { ConfigError, describeDatabase, loadConfig, redactUrl, type DatabaseConfig, type ServerConfig } from "./config.js"
export { startServer, type RunningServer } from "./server.js"
