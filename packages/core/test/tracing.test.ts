import { Effect, Tracer } from "effect"
import { describe, expect, it } from "vitest"
import { billkit, makeMemoryStorage } from "@billkit/core"

describe("tracing", () => {
  it("sends a span per request and per service call to the host's tracer", async () => {
    const names: Array<string> = []
    const native = Effect.runSync(Effect.tracer)
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        names.push(name)
        return native.span(name, parent, context, links, startTime, kind, options)
      },
      context: (f) => f()
    })
    const billing = billkit({ storage: makeMemoryStorage(), tracer })
    const { apiKey } = await billing.bootstrap()
    const response = await billing.handler(new Request("http://x/v1/customers", {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "traced@example.com" })
    }))
    expect(response.status).toBe(201)
    expect(names).toContain("Customers.create")
    expect(names.some((n) => n.startsWith("http.server"))).toBe(true)
  })
})
