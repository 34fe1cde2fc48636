/**
 * Whatever a client sends to whichever endpoint, the answer is a success or a 4xx problem
 * document, never a 500. Endpoints come from the OpenAPI document, so a new endpoint is covered
 * the day it is declared. The property is defined once here and run on each backend (memory in
 * core, Postgres in the postgres package, where NUL bytes and large numbers meet a real column).
 *
 * Besides arbitrary JSON it sends what has broken servers before: JSON nested thousands deep,
 * NUL characters in bodies, paths and queries, 2^53, 1e30 and 100,000-digit numbers and strings,
 * and the largest amounts with many seats and full tax.
 */
import fc from "fast-check"
import { expect } from "vitest"
import { billkit, type StoragePort } from "@billkit/core"
import { keyedClient } from "./billing/harness.js"

export interface Never500Options {
  readonly storage: StoragePort
  readonly numRuns?: number
}

const maxAmount = 999_999_999_999

/** JSON text nested `depth` levels deep (a 5 KB body at 2,500). */
const deep = (depth: number, open: string, close: string) => `${open.repeat(depth)}1${close.repeat(depth)}`

export const never500Property = async ({ numRuns = 300, storage }: Never500Options): Promise<void> => {
  const app = billkit({ storage, defaultRateLimits: [{ window: "second", max: 1_000_000 }] })
  try {
    // `call` sends a string body as it is: the property's bodies are JSON text, some of it broken.
    const { call, ok } = await keyedClient(app)

    const product = await ok("POST", "/v1/products", { name: "Pro" })
    const price = await ok("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })
    const maxPrice = await ok("POST", `/v1/products/${product.id}/prices`, { amount: maxAmount, currency: "EUR", schedule: "month", including_tax: false })
    const feature = await ok("POST", "/v1/features", { code: "api_access", name: "API access" })
    const plan = await ok("POST", "/v1/plans", {
      name: "Pro monthly", code_name: "pro_monthly", product: product.id, prices: [price.id, maxPrice.id], per_seat: true,
      features: ["api_access"], limits: [{ feature: feature.id, limit: 10 }], trial_length_days: 14
    })
    await ok("POST", "/v1/metrics", { code: "calls", name: "Calls", aggregation_method: "sum", aggregation_property: "n" })
    const customer = await ok("POST", "/v1/customers", { email: "seed@example.com", standard_tax_rate: "100" })
    await ok("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
    const subscription = await ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, price: price.id, seats: 3, deny_trial: true })

    const spec = app.openApi() as { paths: Record<string, Record<string, unknown>> }
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => ({ path, method: method.toUpperCase() })))
    expect(operations.length).toBeGreaterThanOrEqual(20)

    const hugeDigits = "9".repeat(100_000)
    const hostileScalar = fc.oneof(
      fc.constantFrom<unknown>(
        2 ** 53, -(2 ** 53), 2 ** 53 + 2, 9007199254740991, 1e30, -1e30, maxAmount, maxAmount + 1, 1e-30, 0.1,
        "1e30", "9007199254740993", hugeDigits, `0.${hugeDigits}`, "a\u0000b", "\u0000", "NaN", "-0", "1e-400"
      ),
      fc.string().map((s) => `${s}\u0000${s}`)
    )
    const hostileFields = fc.dictionary(
      fc.constantFrom(
        "amount", "unit_amount", "quantity", "seats", "value", "tax_rate", "standard_tax_rate", "unit_amount_decimal", "flat_amount",
        "package_size", "up_to", "reference", "event_id", "code", "plan", "price", "customer", "email", "name", "description", "currency"
      ),
      hostileScalar,
      { maxKeys: 4 }
    )
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      hostileFields.map((v) => JSON.stringify(v)),
      hostileFields.map((v) => JSON.stringify({ lines: [{ description: "x", ...v }, { description: "y", unit_amount: maxAmount, tax_rate: "100" }] })),
      hostileFields.map((v) => JSON.stringify({ events: [{ event_id: "e", customer: customer.id, code: "calls", ...v }] })),
      fc.integer({ min: 30, max: 2_500 }).chain((depth) => fc.constantFrom(deep(depth, "[", "]"), deep(depth, "{\"a\":", "}"), `{"metadata":${deep(depth, "{\"a\":", "}")}}`)),
      fc.constantFrom(
        "", "{", "null", "[]", "\"str\"", "{\"email\":null}", "{\"amount\":1e400,\"currency\":\"EUR\"}", "{\"metadata\":{\"__proto__\":{}}}",
        `{"seats":1000000}`, `{"seats":999999}`, `{"plan":"${plan.id}","seats":1000000}`, `{"quantity":"${hugeDigits}"}`,
        `{"customer":"${customer.id}","lines":[${Array(250).fill(`{"description":"m","unit_amount":${maxAmount},"tax_rate":"100"}`).join(",")}]}`
      )
    )
    const idValues = [
      customer.id, product.id, price.id, maxPrice.id, plan.id, plan.code_name, feature.id, subscription.id,
      "x", "%00", `${customer.id}%00`, "\u0000", "cus_" + "Z".repeat(26), "a".repeat(300), hugeDigits.slice(0, 5_000)
    ]
    const queryValue = fc.oneof(
      fc.string(), fc.integer().map(String),
      fc.constantFrom("true", "-1", "0", "1e9", "1e30", "9007199254740993", "null", "product,prices", "\u0000", `${customer.id}\u0000`, hugeDigits)
    )
    const arbitraryRequest = fc.record({
      operation: fc.constantFrom(...operations),
      id: fc.constantFrom(...idValues),
      query: fc.dictionary(
        fc.constantFrom("limit", "starting_after", "ending_before", "include_total", "expand", "email", "currency", "active", "customer", "code", "\u0000"),
        queryValue,
        { maxKeys: 3 }
      ),
      body
    })

    await fc.assert(
      fc.asyncProperty(arbitraryRequest, async ({ body, id, operation, query }) => {
        const path = operation.path.replace(/\{[^}]+\}/g, encodeURIComponent(id))
        const qs = new URLSearchParams(query).toString()
        const hasBody = operation.method !== "GET" && operation.method !== "DELETE"
        const reply = await call(operation.method, `${path}${qs ? `?${qs}` : ""}`, hasBody ? body : undefined)
        expect(reply.status, `${operation.method} ${path} ${body.slice(0, 300)}`).toBeLessThan(500)
        if (reply.status >= 400) {
          expect(reply.headers.get("content-type")).toBe("application/problem+json")
          expect(reply.json.status).toBe(reply.status)
          expect(typeof reply.json.detail).toBe("string")
          // A problem quotes at most a short prefix of a bad value.
          expect(reply.text.length, reply.text.slice(0, 300)).toBeLessThan(50_000)
        }
      }),
      { numRuns }
    )
  } finally {
    await app.dispose()
  }
}
