// The adapter's plumbing, checked against an echo handler over real HTTP: what goes in
// (method, URL, headers, body bytes) and what comes out (status, headers, streamed body).
import { createHash } from "node:crypto"
import { once } from "node:events"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import express, { type ErrorRequestHandler } from "express"
import { afterEach, describe, expect, it } from "vitest"
import { toExpressHandler } from "@billkit/express"

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex")

const echo = {
  handler: async (request: Request) => {
    const body = new Uint8Array(await request.arrayBuffer())
    return Response.json({
      method: request.method,
      url: request.url,
      headers: Object.fromEntries(request.headers),
      body: body.length < 1000 ? new TextDecoder().decode(body) : undefined,
      bodyLength: body.length,
      bodySha256: sha256(body)
    })
  }
}

let close: () => Promise<void> = async () => {}
afterEach(() => close())

const listen = async (app: { listen: (port: number, host: string) => Server }) => {
  const server = app.listen(0, "127.0.0.1")
  await once(server, "listening")
  close = () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve())))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const appWith = (billing: typeof echo, mount: "all" | "use" = "all") => {
  const app = express()
  if (mount === "all") app.all("/billing/*splat", toExpressHandler(billing))
  else app.use("/billing", toExpressHandler(billing))
  app.get("/health", (_req, res) => void res.send("host ok"))
  return app
}

describe("toExpressHandler", () => {
  it("passes method, full URL with query, headers and body through app.all", async () => {
    const base = await listen(appWith(echo))
    const response = await fetch(`${base}/billing/v1/customers?limit=2&email=a%40b.c`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-custom": "yes" },
      body: JSON.stringify({ email: "a@example.com" })
    })
    expect(response.status).toBe(200)
    const seen = await response.json()
    expect(seen.method).toBe("POST")
    expect(seen.url).toBe(`${base}/billing/v1/customers?limit=2&email=a%40b.c`)
    expect(seen.headers["x-custom"]).toBe("yes")
    expect(seen.headers["content-type"]).toBe("application/json")
    expect(seen.body).toBe('{"email":"a@example.com"}')
  })

  it("keeps the mount path that app.use strips, so the base path still matches", async () => {
    const base = await listen(appWith(echo, "use"))
    const seen = await (await fetch(`${base}/billing/v1/customers/cus_1?expand=plan`)).json()
    expect(seen.method).toBe("GET")
    expect(new URL(seen.url).pathname + new URL(seen.url).search).toBe("/billing/v1/customers/cus_1?expand=plan")
  })

  it("streams a body over 1 MB intact", async () => {
    const base = await listen(appWith(echo))
    const big = new Uint8Array(3 * 1024 * 1024).map((_, i) => (i * 31) % 251)
    const seen = await (await fetch(`${base}/billing/v1/upload`, { method: "PUT", body: big })).json()
    expect(seen.bodyLength).toBe(big.length)
    expect(seen.bodySha256).toBe(sha256(big))
  })

  it("streams a chunked body (no content-length) intact", async () => {
    const base = await listen(appWith(echo))
    const chunks = ["{\"events\":[", "1,", "2,", "3", "]}"].map((s) => new TextEncoder().encode(s))
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const chunk = chunks.shift()
        if (chunk) controller.enqueue(chunk)
        else controller.close()
        await new Promise((r) => setTimeout(r, 5))
      }
    })
    const init = { method: "POST", body, duplex: "half" } as RequestInit
    const seen = await (await fetch(`${base}/billing/v1/usage-events`, init)).json()
    expect(seen.headers["transfer-encoding"]).toBe("chunked")
    expect(seen.body).toBe('{"events":[1,2,3]}')
  })

  it("re-serializes req.body when express.json() already consumed the stream", async () => {
    const app = express()
    app.use(express.json())
    app.all("/billing/*splat", toExpressHandler(echo))
    const base = await listen(app)
    const seen = await (
      await fetch(`${base}/billing/v1/customers`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{ "email" : "a@example.com" }'
      })
    ).json()
    expect(JSON.parse(seen.body)).toEqual({ email: "a@example.com" })
    expect(seen.body).toBe('{"email":"a@example.com"}') // equal JSON, not the original bytes
    expect(seen.headers["content-length"]).toBeUndefined() // the stale length is dropped
  })

  it("writes status, headers (each set-cookie separately) and a streamed body back", async () => {
    const streaming = {
      handler: async () => {
        const headers = new Headers({ "content-type": "text/plain", "request-id": "req_123" })
        headers.append("set-cookie", "a=1; Path=/; Expires=Wed, 21 Oct 2099 07:28:00 GMT")
        headers.append("set-cookie", "b=2; Path=/")
        const parts = ["one ", "two ", "three"]
        const body = new ReadableStream({
          pull: (controller) => void (parts.length ? controller.enqueue(new TextEncoder().encode(parts.shift())) : controller.close())
        })
        return new Response(body, { status: 201, headers })
      }
    }
    const base = await listen(appWith(streaming))
    const response = await fetch(`${base}/billing/v1/anything`)
    expect(response.status).toBe(201)
    expect(response.headers.get("request-id")).toBe("req_123")
    expect(response.headers.getSetCookie()).toEqual([
      "a=1; Path=/; Expires=Wed, 21 Oct 2099 07:28:00 GMT",
      "b=2; Path=/"
    ])
    expect(await response.text()).toBe("one two three")
  })

  it("hands a thrown error to Express's next(err)", async () => {
    const failing = { handler: async (): Promise<Response> => { throw new Error("boom") } }
    const app = appWith(failing)
    const onError: ErrorRequestHandler = (error, _req, res, _next) => void res.status(502).send(`host saw: ${error.message}`)
    app.use(onError)
    const base = await listen(app)
    const response = await fetch(`${base}/billing/v1/customers`)
    expect(response.status).toBe(502)
    expect(await response.text()).toBe("host saw: boom")
  })

  it("leaves paths outside the mount to the host app", async () => {
    const base = await listen(appWith(echo))
    expect(await (await fetch(`${base}/health`)).text()).toBe("host ok")
    const outside = await fetch(`${base}/v1/customers`)
    expect(outside.status).toBe(404)
    expect(outside.headers.get("content-type")).toMatch(/^text\/html/) // Express's own 404
  })

  it("works as a plain node:http request listener, without Express", async () => {
    const base = await listen(createServer(toExpressHandler(echo)))
    const seen = await (await fetch(`${base}/billing/v1/customers?limit=1`, { method: "POST", body: "hi" })).json()
    expect(seen).toMatchObject({ method: "POST", url: `${base}/billing/v1/customers?limit=1`, body: "hi" })
  })
})
