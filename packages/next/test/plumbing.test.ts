// The adapter's plumbing through Next's route-handler contract: Next calls the exported method
// functions with a NextRequest (a `Request` subclass carrying the full URL) and a context
// (`{ params }`), and sends back the Response they return. Plain `Request`s exercise the same
// code without installing Next.js (300 MB) for everyone who runs the tests; the docs-snippet
// test drives the page's route module the same way.
import { describe, expect, it } from "vitest"
import { toNextJsHandler } from "@billkit/next"

const echo = {
  handler: async (request: Request) =>
    Response.json(
      { method: request.method, url: request.url, contentType: request.headers.get("content-type"), body: await request.text() },
      { headers: { "request-id": "req_echo" } }
    )
}

/** What Next passes as the second argument of a catch-all route handler. */
const nextContext = { params: Promise.resolve({ path: ["v1", "customers"] }) }

describe("toNextJsHandler", () => {
  it("exports a handler for every method Next routes", () => {
    expect(Object.keys(toNextJsHandler(echo)).sort()).toEqual(["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"])
  })

  it("passes the request's method, full URL, headers and body to Billkit and returns its Response", async () => {
    const { POST } = toNextJsHandler(echo)
    const url = "http://localhost:3000/api/billing/v1/customers?limit=2"
    const request = new Request(url, { method: "POST", headers: { "content-type": "application/json" }, body: '{"email":"a@example.com"}' })
    const response = await (POST as (request: Request, context: unknown) => Promise<Response>)(request, nextContext)
    expect(response.headers.get("request-id")).toBe("req_echo")
    expect(await response.json()).toEqual({ method: "POST", url, contentType: "application/json", body: '{"email":"a@example.com"}' })
  })

  it("routes every method to the same handler", async () => {
    const handlers = toNextJsHandler(echo)
    for (const method of ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"] as const) {
      const response = await handlers[method](new Request("http://localhost/api/billing/v1/x", { method }))
      expect((await response.json()).method).toBe(method)
    }
  })
})
