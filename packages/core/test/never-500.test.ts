/**
 * Whatever a client sends to whichever endpoint, the answer is a success or a 4xx problem
 * document, never a 500. Endpoints come from the OpenAPI document, so a new endpoint is covered
 * the day it is declared.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeApp, seedCatalog } from "./support.js"

describe("bad input on every endpoint", () => {
  it("gets 2xx or a 4xx problem document, never a 500 (property)", async () => {
    const { app, call } = await makeApp({ defaultRateLimits: [{ window: "second", max: 1_000_000 }] })
    const { plan, price, product, feature } = await seedCatalog(call)
    const customer = (await call("POST", "/v1/customers", { email: "seed@example.com" })).json
    const spec = app.openApi() as { paths: Record<string, Record<string, unknown>> }
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })))
    expect(operations.length).toBeGreaterThanOrEqual(20)

    const idValues = [customer.id, product.id, price.id, plan.id, plan.code_name, feature.id, "x", "%00", "cus_" + "Z".repeat(26), "a".repeat(300)]
    const queryValue = fc.oneof(fc.string(), fc.integer().map(String), fc.constantFrom("true", "-1", "0", "1e9", "null", "product,prices"))
    const arbitraryRequest = fc.record({
      operation: fc.constantFrom(...operations),
      id: fc.constantFrom(...idValues),
      query: fc.dictionary(fc.constantFrom("limit", "starting_after", "ending_before", "include_total", "expand", "email", "currency", "active"), queryValue, { maxKeys: 3 }),
      body: fc.oneof(
        fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
        fc.constantFrom("", "{", "null", "[]", "\"str\"", "{\"email\":null}", "{\"amount\":1e400,\"currency\":\"EUR\"}", "{\"metadata\":{\"__proto__\":{}}}")
      )
    })

    await fc.assert(
      fc.asyncProperty(arbitraryRequest, async ({ body, id, operation, query }) => {
        const path = operation.path.replace(/\{[^}]+\}/g, encodeURIComponent(id))
        const qs = new URLSearchParams(query).toString()
        const hasBody = operation.method !== "GET" && operation.method !== "DELETE"
        const reply = await call(operation.method, `${path}${qs ? `?${qs}` : ""}`, hasBody ? body : undefined)
        expect(reply.status, `${operation.method} ${path} ${body}`).toBeLessThan(500)
        if (reply.status >= 400) {
          expect(reply.headers.get("content-type")).toBe("application/problem+json")
          expect(reply.json.status).toBe(reply.status)
          expect(typeof reply.json.detail).toBe("string")
        }
      }),
      { numRuns: 400 }
    )
  }, 120_000)
})
