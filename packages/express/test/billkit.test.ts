// The real Billkit core mounted in a real Express server, called over HTTP.
import { once } from "node:events"
import type { AddressInfo } from "node:net"
import type { Server } from "node:http"
import express from "express"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { toExpressHandler } from "@billkit/express"

const billing = billkit({ storage: makeMemoryStorage(), basePath: "/billing" })
let apiKey: string
let server: Server
let base: string

beforeAll(async () => {
  apiKey = (await billing.bootstrap()).apiKey!
  const app = express()
  app.all("/billing/*splat", toExpressHandler(billing))
  app.get("/health", (_req, res) => void res.send("host ok"))
  server = app.listen(0, "127.0.0.1")
  await once(server, "listening")
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await billing.dispose()
})

const authorized = (init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...init.headers }
})

describe("Billkit mounted with toExpressHandler", () => {
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

  it("accepts a chunked, streamed request body", async () => {
    const parts = ['{"email":', '"streamed@example.com"}'].map((s) => new TextEncoder().encode(s))
    const body = new ReadableStream<Uint8Array>({
      pull: (controller) => void (parts.length ? controller.enqueue(parts.shift()!) : controller.close())
    })
    const created = await fetch(`${base}/billing/v1/customers`, authorized({ method: "POST", body, duplex: "half" } as RequestInit))
    expect(created.status).toBe(201)
    expect(await created.json()).toMatchObject({ email: "streamed@example.com" })
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
    expect(outside.headers.get("content-type")).not.toMatch(/problem\+json/) // Express's 404, not Billkit's
  })
})
