/** `node dist/main.js`: configure from the environment, start, print where, stop on a signal. */
import { ConfigError, describeDatabase, loadConfig, type ServerConfig } from "./config.js"
import { printApiKeyOnce, printListening, printPayments } from "./messages.js"
import { startServer } from "./server.js"

const configure = (): ServerConfig => {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(`billkit: ${error.message}`)
    process.exit(1)
  }
}

const config = configure()
const server = await startServer(config).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    console.error(`billkit: ${error.message}`)
    process.exit(1)
  }
  console.error(`billkit: could not start on ${describeDatabase(config.database)}:`, error)
  process.exit(1)
})

const shutdown = (signal: NodeJS.Signals) => {
  // A second signal means the operator does not want to wait for in-flight requests.
  process.once(signal, () => process.exit(1))
  console.log(`billkit: ${signal} received, finishing in-flight requests…`)
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error("billkit: shutdown failed:", error)
      process.exit(1)
    }
  )
}
// Before the "listening" line: whoever reads it may signal at once, and a signal that comes
// before its handler is installed kills the process without the clean shutdown.
process.once("SIGTERM", shutdown)
process.once("SIGINT", shutdown)

if (server.createdApiKey !== undefined) printApiKeyOnce(server.createdApiKey)
printListening(server.url, config.database)
printPayments(config.stripe)
