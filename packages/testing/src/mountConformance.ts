/**
 * What every framework mount must do, once for all adapters: a framework's test file starts the
 * framework for real with Billkit mounted at `basePath` beside a host route `GET /health` that
 * answers `host ok`, and this suite calls it over HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billkit, makeMemoryStorage, type Billkit } from "@billkit/core"

export interface MountedServer {
  /** `http://127.0.0.1:PORT`, without the base path. */
  readonly origin: string
  readonly close: () => Promise<void>
}

export const mountConformance = (
  name: string,
  basePath: string,
  mount: (billing: Billkit) => Promise<MountedServer>
): void => {
  describe(`mount conformance: ${name}`, () => {
    const billing = billkit({ storage: makeMemoryStorage(), basePath })
    let server: MountedServer
    let apiKey: string
    const url = (path: string) => `${server.origin}${basePath}${path}`
    const authorized = (init: RequestInit = {}): RequestInit => ({
      ...init,
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers }
    })

    beforeAll(async () => {
      apiKey = (await billing.bootstrap()).apiKey!
      server = await mount(billing)
    })
    afterAll(async () => {
      await server.close()
      await billing.dispose()
    })

    it("creates a customer and reads it back, with Request-Id", async () => {
      const created = await fetch(url("/v1/customers"), authorized({ method: "POST", body: '{"email":"a@example.com"}' }))
      expect(created.status).toBe(201)
      expect(created.headers.get("request-id")).toMatch(/^req_/)
      const customer = await created.json()
      const read = await fetch(url(`/v1/customers/${customer.id}`), authorized())
      expect(read.status).toBe(200)
      expect(await read.json()).toMatchObject({ id: customer.id, email: "a@example.com" })
    })

    it("accepts a chunked, streamed request body", async () => {
      const parts = ['{"email":', '"streamed@example.com"}'].map((s) => new TextEncoder().encode(s))
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) => void (parts.length ? controller.enqueue(parts.shift()!) : controller.close())
      })
      const created = await fetch(url("/v1/customers"), authorized({ method: "POST", body, duplex: "half" } as RequestInit))
      expect(created.status).toBe(201)
      expect(await created.json()).toMatchObject({ email: "streamed@example.com" })
    })

    it("passes problem documents, query strings and idempotent replays through unchanged", async () => {
      const missing = await fetch(url("/v1/customers"))
      expect(missing.status).toBe(401)
      expect(missing.headers.get("content-type")).toBe("application/problem+json")
      const invalid = await fetch(url("/v1/customers"), authorized({ method: "POST", body: '{"email":"nope"}' }))
      expect(invalid.status).toBe(422)
      expect((await invalid.json()).errors[0].field).toBe("email")
      const page = await fetch(url("/v1/customers?limit=1&include_total=true"), authorized())
      expect(await page.json()).toMatchObject({ has_more: true, total: 2 })
      const once = { method: "POST", body: '{"name":"Pro"}', headers: { "idempotency-key": "mount-1" } }
      const first = await fetch(url("/v1/products"), authorized(once))
      const again = await fetch(url("/v1/products"), authorized(once))
      expect(again.headers.get("idempotent-replayed")).toBe("true")
      expect(await again.text()).toBe(await first.text())
    })

    it("serves the API reference under the base path", async () => {
      const docs = await fetch(url("/docs"))
      expect(docs.status).toBe(200)
      expect(docs.headers.get("content-type")).toContain("text/html")
      const spec = await (await fetch(url("/v1/openapi.json"))).json()
      expect(spec.servers).toEqual([{ url: basePath }])
    })

    it("leaves the host's routes, and paths outside the base path, to the host", async () => {
      expect(await (await fetch(`${server.origin}/health`)).text()).toBe("host ok")
      const outside = await fetch(`${server.origin}/v1/customers`, authorized())
      expect(outside.status).toBe(404)
      expect(outside.headers.get("content-type") ?? "").not.toContain("problem+json")
    })
  })
}
