/** What the server tells its operator on stdout. */
import { describeDatabase, type DatabaseConfig } from "./config.js"

const rule = "=".repeat(78)

/** The key exists only hashed after this: frame it so it is not lost in the log. */
export const printApiKeyOnce = (apiKey: string): void => {
  console.log(rule)
  console.log(`Your secret test key (shown once): ${apiKey}`)
  console.log("Store it now: only its hash is kept, it cannot be shown again.")
  console.log(rule)
}

/** One line, parseable by tests and the benchmark: the URL carries the actual port. */
export const printListening = (url: string, database: DatabaseConfig): void => {
  console.log(`Billkit listening on ${url} · database: ${describeDatabase(database)} · docs: ${url}/docs`)
}
