/**
 * The Express and Hono receivers of docs/webhooks.md, run as written against real deliveries
 * from Billkit: each verifies a signed event with its endpoint's secret and refuses a forged one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import type { AddressInfo } from "node:net"
import { dirname, join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { serve } from "@hono/node-server"
import { afterAll, describe, expect, it } from "vitest"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { keyedClient } from "@billkit/testing"

const here = dirname(fileURLToPath(import.meta.url))
const doc = readFileSync(join(here, "../../../docs/webhooks.md"), "utf8")

/** The code block after `<!-- snippet: name -->`. */
const snippet = (name: string): string => {
  const m = new RegExp(`<!-- snippet: ${name.replace(".", "\\.")} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(doc)
  if (m === null) throw new Error(`docs/webhooks.md has no snippet ${name}`)
  return m[1]!
}

// Written next to this package's node_modules, which hold express, hono and standardwebhooks.
const dir = mkdtempSync(join(here, "../.doc-snippets-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const load = async (name: string) => {
  const file = join(dir, name)
  writeFileSync(file, snippet(name))
  return (await import(pathToFileURL(file).href)).app
}

/** Listens with the snippet's app; resolves with its URL and a closer. */
const listen = async (name: string): Promise<{ url: string; close: () => void }> => {
  const app = await load(name)
  if (name.startsWith("express")) {
    const server = app.listen(0, "127.0.0.1")
    await new Promise((resolve) => server.once("listening", resolve))
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/billkit`, close: () => server.close() }
  }
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, () => resolve(s))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/billkit`, close: () => server.close() }
}

describe("docs/webhooks.md receivers", () => {
  for (const name of ["express-receiver.mjs", "hono-receiver.mjs"]) {
    it(`${name} verifies Billkit's deliveries and refuses forged ones`, async () => {
      const receiver = await listen(name)
      const app = billkit({ storage: makeMemoryStorage(), webhooks: { allowPrivateNetworks: true } })
      try {
        const { ok: call } = await keyedClient(app)
        const endpoint = await call("POST", "/v1/webhook-endpoints", { url: receiver.url, events: ["customer.created"] })
        process.env.BILLKIT_WEBHOOK_SECRET = endpoint.secret
        await call("POST", "/v1/customers", { email: "docs@example.com" })
        await app.runDeliveries()
        const [delivery] = (await call("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`)).data
        expect(delivery).toMatchObject({ status: "succeeded", response_status: 204 })

        // Another endpoint's secret: the receiver's signature check fails.
        const other = await call("POST", "/v1/webhook-endpoints", { url: receiver.url, events: ["webhook_endpoint.test"] })
        const forged = await call("POST", `/v1/webhook-endpoints/${other.id}/test`)
        expect(forged).toMatchObject({ status: "pending", response_status: 400, response_body: "bad signature" })
      } finally {
        delete process.env.BILLKIT_WEBHOOK_SECRET
        receiver.close()
        await app.dispose()
      }
    }, 30_000)
  }
})
