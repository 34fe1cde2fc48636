// The real Billkit core mounted in a real Hono app on @hono/node-server, called over HTTP.
import type { AddressInfo } from "node:net"
import { serve, type ServerType } from "@hono/node-server"
import { Hono } from "hono"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { toHonoHandler } from "@billkit/hono"

const billing = billkit({ storage: makeMemoryStorage(), basePath: "/billing" })
let apiKey: string
let server: ServerType
let base: string

beforeAll(async () => {
  apiKey = (await billing.bootstrap()).apiKey!
  const app = new Hono()
  app.all("/billing/*", toHonoHandler(billing))
  app.get("/health", (c) => c.text("host ok"))
  base = await new Promise<string>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve(`http://127.0.0.1:${info.port}`)
    )
  })
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await billing.dispose()
})

const authorized = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers }
})

describe("Billkit mounted with toHonoHandler", () => {
  it("creates a customer and reads it back", async () => {
    const created = await fetch(`${base}/billing/v1/customers`, authorized({ method: "POST", body: '{"email":"a@example.com"}' }))
    expect(created.status).toBe(201)
    expect(created.headers.get("request-id")).toBeTruthy()
    const customer = await created.json()
    expect(customer.id).toMatch(/^cus_/)

    const read = await fetch(`${base}/billing/v1/customers/${customer.id}`, authorized())
    expect(read.status).toBe(200)
    expect(await read.json()).toMatchObject({ id: customer.id, email: "a@example.com" })
  })

  it("answers 401 with a problem document when the key is missing", async () => {
    const response = await fetch(`${base}/billing/v1/customers`)
    expect(response.status).toBe(401)
    expect(response.headers.get("content-type")).toMatch(/^application\/problem\+json/)
    expect(response.headers.get("request-id")).toBeTruthy()
  })

  it("serves the API reference under the base path", async () => {
    expect((await fetch(`${base}/billing/docs`)).status).toBe(200)
  })

  it("leaves paths outside the base path to the host app", async () => {
    expect(await (await fetch(`${base}/health`)).text()).toBe("host ok")
    const outside = await fetch(`${base}/v1/customers`, authorized())
    expect(outside.status).toBe(404)
    expect(await outside.text()).toBe("404 Not Found") // Hono's own 404, not Billkit's
  })
})
