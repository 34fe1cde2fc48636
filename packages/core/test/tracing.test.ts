import { Effect, Tracer } from "effect"
import { describe, expect, it } from "vitest"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { keyedClient } from "@billkit/testing"

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
    const { call } = await keyedClient(billkit({ storage: makeMemoryStorage(), tracer }), "http://x")
    const response = await call("POST", "/v1/customers", { email: "traced@example.com" })
    expect(response.status).toBe(201)
    expect(names).toContain("Customers.create")
    expect(names.some((n) => n.startsWith("http.server"))).toBe(true)
  })
})
