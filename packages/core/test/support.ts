/** A billkit handler on memory storage with a bootstrap key, and a tiny JSON client for tests. */
import { billkit, makeMemoryStorage, type BillkitOptions, type StoragePort } from "@billkit/core"
import type { StorageUnderTest } from "@billkit/testing"

export interface Reply {
  readonly status: number
  readonly headers: Headers
  readonly json: any
  readonly text: string
}

export const makeApp = async (options: Partial<BillkitOptions> = {}) => {
  const storage = options.storage ?? makeMemoryStorage()
  const app = billkit({ ...options, storage })
  const { apiKey, projectId } = await app.bootstrap()
  const base = `http://billkit.test${(options.basePath ?? "").replace(/\/+$/, "")}`
  const request = async (
    key: string | undefined,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {}
  ): Promise<Reply> => {
    const response = await app.handler(new Request(`${base}${path}`, {
      method,
      headers: {
        ...(key === undefined ? {} : { authorization: `Bearer ${key}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers
      },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    }))
    const text = await response.text()
    const json = text.length > 0 && /json/.test(response.headers.get("content-type") ?? "") ? JSON.parse(text) : undefined
    return { status: response.status, headers: response.headers, json, text }
  }
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    request(apiKey!, method, path, body, headers)
  return { app, key: apiKey!, projectId, storage, call, request }
}

/** A product with a monthly EUR price, a feature and a plan using them. */
export const seedCatalog = async (call: Awaited<ReturnType<typeof makeApp>>["call"]) => {
  const product = (await call("POST", "/v1/products", { name: "Pro" })).json
  const price = (await call("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })).json
  const feature = (await call("POST", "/v1/features", { code: "api_access", name: "API access" })).json
  const plan = (await call("POST", "/v1/plans", {
    name: "Pro monthly",
    code_name: "pro_monthly",
    product: product.id,
    prices: [price.id],
    features: ["api_access"],
    limits: [{ feature: feature.id, limit: 10 }],
    trial_length_days: 14
  })).json
  return { product, price, feature, plan }
}

/** Memory storage for the backend suites: reset hands out a new, empty one. */
export const memoryUnderTest = async (): Promise<StorageUnderTest> => {
  let storage: StoragePort = makeMemoryStorage()
  return {
    get storage() {
      return storage
    },
    reset: async () => {
      storage = makeMemoryStorage()
    },
    close: async () => {}
  }
}
