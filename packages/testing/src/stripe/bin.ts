#!/usr/bin/env node
/**
 * `billkit-fake-stripe --port 12111 [--secret-key sk_test_…] [--webhook URL --webhook-secret whsec_…]`:
 * the fake Stripe as a standalone server, for the example server and local development. Prints
 * the URL and secret key, then serves until interrupted.
 */
import { parseArgs } from "node:util"
import { startFakeStripe } from "./FakeStripe.js"

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "12111" },
    host: { type: "string", default: "127.0.0.1" },
    "secret-key": { type: "string", default: "sk_test_billkit_fake" },
    webhook: { type: "string" },
    "webhook-secret": { type: "string", default: "whsec_billkit_fake" }
  }
})

const port = Number(values.port)
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port must be a port number, got ${values.port}`)
  process.exit(2)
}

const fake = await startFakeStripe({
  port,
  host: values.host,
  secretKey: values["secret-key"],
  webhooks: values.webhook ? [{ url: values.webhook, secret: values["webhook-secret"]! }] : []
})
// Before the line that says it is ready: whoever reads it may signal at once.
const stop = () => void fake.close().then(() => process.exit(0))
process.on("SIGINT", stop)
process.on("SIGTERM", stop)

// The CLI's one line of output, which its callers parse: written to stdout, not logged (a logger
// would add a timestamp and a level).
process.stdout.write(`${JSON.stringify({ url: fake.url, secret_key: fake.secretKey, webhook: values.webhook ?? null })}\n`)
