// The adapter's plumbing, checked against an echo handler on a real @hono/node-server.
import type { AddressInfo } from "node:net"
import { serve, type ServerType } from "@hono/node-server"
import { Hono } from "hono"
import { afterEach, describe, expect, it } from "vitest"
import { toHonoHandler } from "@billkit/hono"

const echo = {
  handler: async (request: Request) => {
    const headers = new Headers({ "request-id": "req_echo" })
    headers.append("set-cookie", "a=1; Path=/")
    headers.append("set-cookie", "b=2; Path=/")
    const seen = { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() }
    return Response.json(seen, { status: 201, headers })
  }
}

let server: ServerType | undefined
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())))

const listen = (app: Hono) =>
  new Promise<string>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info: AddressInfo) =>
      resolve(`http://127.0.0.1:${info.port}`)
    )
  })

const appWith = (billing: typeof echo) => {
  const app = new Hono()
  app.all("/billing/*", toHonoHandler(billing))
  app.get("/health", (c) => c.text("host ok"))
  return app
}

describe("toHonoHandler", () => {
  it("passes method, full URL with query, headers and body; returns status and headers", async () => {
    const base = await listen(appWith(echo))
    const response = await fetch(`${base}/billing/v1/customers?limit=2`, {
      method: "PATCH",
      headers: { "content-type": "application/json", "x-custom": "yes" },
      body: '{"email":"a@example.com"}'
    })
    expect(response.status).toBe(201)
    expect(response.headers.get("request-id")).toBe("req_echo")
    expect(response.headers.getSetCookie()).toEqual(["a=1; Path=/", "b=2; Path=/"])
    const seen = await response.json()
    expect(seen).toMatchObject({ method: "PATCH", url: `${base}/billing/v1/customers?limit=2`, body: '{"email":"a@example.com"}' })
    expect(seen.headers["x-custom"]).toBe("yes")
  })

  it("also works inside a sub-app mounted with app.route, with the full path kept", async () => {
    const billingRoutes = new Hono().all("/*", toHonoHandler(echo))
    const base = await listen(new Hono().route("/billing", billingRoutes))
    const seen = await (await fetch(`${base}/billing/v1/plans`)).json()
    expect(seen.url).toBe(`${base}/billing/v1/plans`)
  })

  it("leaves paths outside the mount to the host app", async () => {
    const base = await listen(appWith(echo))
    expect(await (await fetch(`${base}/health`)).text()).toBe("host ok")
    const outside = await fetch(`${base}/v1/customers`)
    expect(outside.status).toBe(404)
    expect(await outside.text()).toBe("404 Not Found") // Hono's own 404
  })
})
