/** What docs/openapi.json promises beyond schemas, and the 401 it describes. */
import { readFileSync } from "node:fs"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { sendTo } from "@billkit/testing"
import { describe, expect, it } from "vitest"

const doc = JSON.parse(readFileSync(new URL("../../../docs/openapi.json", import.meta.url), "utf8"))
const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ path, method, op })))
const deref = (node: any): any => (typeof node?.$ref === "string" ? deref(node.$ref.slice(2).split("/").reduce((at: any, k: string) => at[k], doc)) : node)

describe("docs/openapi.json", () => {
  it("describes every operation", () => {
    expect(operations.length).toBeGreaterThan(100)
    expect(operations.filter(({ op }) => !op.description).map(({ op }) => op.operationId)).toEqual([])
  })

  it("marks a request body required only when some field of it is", () => {
    const wrong = operations.filter(({ op }) => {
      const body = op.requestBody
      if (body === undefined) return false
      const schema = deref(body.content["application/json"].schema)
      return schema.type === "object" && body.required !== (schema.required ?? []).length > 0
    })
    expect(wrong.map(({ op }) => op.operationId)).toEqual([])
    expect(doc.paths["/v1/subscriptions/{id}/cancel"].post.requestBody.required).toBe(false)
    expect(doc.paths["/v1/customers/{id}"].patch.requestBody.required).toBe(false)
    expect(doc.paths["/v1/customers"].post.requestBody.required).toBe(true)
  })

  it("types paging parameters as integers with their ranges, and ranges in bodies as minimum/maximum", () => {
    const param = (path: string, name: string) => doc.paths[path].get.parameters.find((p: any) => p.name === name).schema
    expect(param("/v1/customers", "limit")).toEqual({ type: "integer", minimum: 1, maximum: 100, default: 50 })
    expect(param("/v1/balances", "page_num")).toEqual({ type: "integer", minimum: 1, maximum: 1_000_000, default: 1 })
    expect(param("/v1/balances", "page_size")).toEqual({ type: "integer", minimum: 1, maximum: 50, default: 30 })
    expect(doc.components.schemas.PlanCreate.properties.trial_length_days).toEqual({ type: "integer", minimum: 0, maximum: 730 })
    const generatedTitles = JSON.stringify(doc).match(/"title":"(between|greaterThanOrEqualTo|lessThanOrEqualTo)\([^"]*"/g) ?? []
    expect(generatedTitles).toEqual([])
  })

  it("answers per operation only the statuses it can", () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses)
    expect(statuses("/v1/customers", "get")).toEqual(["200", "400", "401", "403", "429"])
    expect(statuses("/v1/customers/{id}", "get")).toEqual(["200", "400", "401", "403", "404", "429"])
    expect(statuses("/v1/customers", "post")).toEqual(["201", "400", "401", "403", "409", "413", "422", "429"])
    expect(statuses("/v1/customers/{id}", "patch")).toContain("409")
    expect(statuses("/v1/products/{id}", "patch")).not.toContain("409")
    expect(statuses("/v1/providers/stripe/webhook/{connection}", "post")).toEqual(["200", "400", "404", "413"])
    expect(statuses("/v1/analytics/mrr", "get")).toContain("422")
    expect(statuses("/v1/events", "get")).not.toContain("422")
  })

  it("declares its headers as header objects: 401 with WWW-Authenticate, 429 with Retry-After, replays on POST", () => {
    const get = doc.paths["/v1/customers"].get.responses
    expect(Object.keys(get["401"].headers)).toEqual(["Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "WWW-Authenticate"])
    expect(Object.keys(get["429"].headers)).toContain("Retry-After")
    expect(Object.keys(doc.paths["/v1/customers"].post.responses["201"].headers)).toContain("Idempotent-Replayed")
    expect(doc.components.headers["X-RateLimit-Remaining"]).toMatchObject({ required: true, schema: { type: "integer" } })
  })
})

describe("a request without a known key", () => {
  it("answers 401 naming the Bearer scheme, with the default rate-limit window's headers, uncounted", async () => {
    const app = billkit({ storage: makeMemoryStorage(), defaultRateLimits: [{ window: "minute", max: 60 }, { window: "second", max: 5 }] })
    const send = sendTo(app)
    for (const key of [undefined, "sk_test_unknown", undefined, "sk_test_unknown", undefined, "sk_test_unknown"]) {
      const reply = await send(key, "GET", "/v1/customers")
      expect(reply.status).toBe(401)
      expect(reply.headers.get("www-authenticate")).toBe('Bearer realm="billkit"')
      expect(reply.headers.get("x-ratelimit-limit")).toBe("5")
      expect(reply.headers.get("x-ratelimit-remaining")).toBe("5")
      expect(Number(reply.headers.get("x-ratelimit-reset"))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000))
      expect(reply.json).toMatchObject({ status: 401, type: "urn:billkit:error:unauthorized" })
    }
    await app.dispose()
  })
})
