/** The built server on a SQLite file: first start, restart, provisioned key, refusals. */
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { createCatalog } from "./support/catalog.js"
import { apiClient, runToExit, spawnServer, tempDir } from "./support/spawnServer.js"

describe("example server on SQLite", () => {
  it("bootstraps an empty file, serves the API and docs, stops on SIGTERM and keeps its data", async () => {
    const cwd = tempDir()
    const first = await spawnServer({ cwd })
    let customerId: string
    try {
      expect(first.printedKey).toMatch(/^sk_test_/)
      expect(first.stdout()).toContain(`database: sqlite ./billkit.db · docs: ${first.url}/docs`)
      const api = apiClient(first.url, first.printedKey!)
      ;({ customerId } = await createCatalog(api))

      const health = await fetch(`${first.url}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: "ok" })

      const docs = await fetch(`${first.url}/docs`)
      expect(docs.status).toBe(200)
      expect(docs.headers.get("content-type")).toContain("text/html")
      expect(await docs.text()).toContain("<html")

      const openApi = await fetch(`${first.url}/v1/openapi.json`)
      expect(openApi.status).toBe(200)
      expect((await openApi.json()).openapi).toMatch(/^3\.1/)
    } finally {
      const started = Date.now()
      expect(await first.stop("SIGTERM")).toBe(0)
      expect(Date.now() - started).toBeLessThan(5_000)
    }

    // The database is the file in the working directory, so a restart there finds it again.
    const second = await spawnServer({ cwd })
    try {
      expect(second.printedKey).toBeUndefined()
      expect(second.stdout()).not.toContain("sk_test_")
      const customer = await apiClient(second.url, first.printedKey!)("GET", `/v1/customers/${customerId}`)
      expect(customer.status).toBe(200)
      expect(customer.body.email).toBe("ada@example.com")
    } finally {
      expect(await second.stop("SIGINT")).toBe(0)
    }
  })

  it("provisions BILLKIT_API_KEY without printing it, at the path DATABASE_URL=file: names", async () => {
    const cwd = tempDir()
    const apiKey = "sk_test_provisionedByOperator0001"
    const server = await spawnServer({ cwd, env: { BILLKIT_API_KEY: apiKey, DATABASE_URL: `file:${join(cwd, "custom.db")}` } })
    try {
      expect(server.printedKey).toBeUndefined()
      expect(server.stdout()).not.toContain(apiKey)
      expect(server.stdout()).toContain(`database: sqlite ${join(cwd, "custom.db")}`)
      const api = apiClient(server.url, apiKey)
      expect((await api("POST", "/v1/customers", { email: "grace@example.com" })).status).toBe(201)
      // All scopes: a resource other than customers works too.
      expect((await api("GET", "/v1/api-keys")).status).toBe(200)
      expect((await apiClient(server.url, "sk_test_someOtherKeyNotStored0001")("GET", "/v1/customers")).status).toBe(401)
    } finally {
      expect(await server.stop()).toBe(0)
    }
  })

  it("refuses to start once BILLKIT_API_KEY was revoked, with a message naming the variable", async () => {
    const cwd = tempDir()
    const apiKey = "sk_test_revokedByOperator0000001"
    const server = await spawnServer({ cwd, env: { BILLKIT_API_KEY: apiKey } })
    try {
      const api = apiClient(server.url, apiKey)
      const [key] = (await api("GET", "/v1/api-keys")).body.data
      expect((await api("DELETE", `/v1/api-keys/${key.id}`)).status).toBe(200)
    } finally {
      expect(await server.stop()).toBe(0)
    }
    const result = await runToExit({ cwd, env: { BILLKIT_API_KEY: apiKey } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("billkit: BILLKIT_API_KEY was revoked")
    expect(result.stderr).not.toContain("already exists")
    expect(result.stderr).not.toMatch(/\n\s+at /)
    expect(result.stderr).not.toContain(apiKey)
  })

  it("refuses an unknown DATABASE_URL scheme with exit 1 and a message naming the variable", async () => {
    const result = await runToExit({ cwd: tempDir(), env: { DATABASE_URL: "mysql://root:hunter2@localhost/billing" } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("DATABASE_URL must be file:PATH")
    expect(result.stderr).not.toContain("hunter2")
  })

  it("refuses a BILLKIT_API_KEY that is not a secret key", async () => {
    const result = await runToExit({ cwd: tempDir(), env: { BILLKIT_API_KEY: "pk_test_notASecretKey000000001" } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("BILLKIT_API_KEY must be a secret key")
  })
})

describe("example server webhooks", () => {
  it("runs the delivery worker, with private networks allowed by WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true", async () => {
    const { createServer } = await import("node:http")
    const { Webhook } = await import("standardwebhooks")
    const got: Array<{ body: string; headers: Record<string, string> }> = []
    const receiver = createServer((req, res) => {
      let body = ""
      req.setEncoding("utf8").on("data", (d: string) => (body += d)).on("end", () => {
        got.push({ body, headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])) })
        res.writeHead(204).end()
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()))
    const url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`

    const refusing = await spawnServer({ cwd: tempDir() })
    try {
      const api = apiClient(refusing.url, refusing.printedKey!)
      expect((await api("POST", "/v1/webhook-endpoints", { url, events: ["*"] })).status).toBe(422)
    } finally {
      await refusing.stop("SIGTERM")
    }

    const server = await spawnServer({ cwd: tempDir(), env: { WEBHOOKS_ALLOW_PRIVATE_NETWORKS: "true" } })
    try {
      const api = apiClient(server.url, server.printedKey!)
      const endpoint = await api("POST", "/v1/webhook-endpoints", { url, events: ["customer.created"] })
      expect(endpoint.status).toBe(201)
      const customer = await api("POST", "/v1/customers", { email: "hook@example.com" })
      for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100))
      expect(got).toHaveLength(1)
      const event = new Webhook(endpoint.body.secret).verify(got[0]!.body, got[0]!.headers) as { type: string; data: { id: string } }
      expect(event.type).toBe("customer.created")
      expect(event.data.id).toBe(customer.body.id)
    } finally {
      await server.stop("SIGTERM")
      receiver.close()
    }
  }, 60_000)
})
