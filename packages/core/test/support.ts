/** A billkit handler on memory storage with a bootstrap key, and a tiny JSON client for tests. */
import { billkit, makeMemoryStorage, type BillkitOptions, type StoragePort } from "@billkit/core"
import { keyedClient, sendTo, type StorageUnderTest } from "@billkit/testing"

export type { Reply } from "@billkit/testing"

export const makeApp = async (options: Partial<BillkitOptions> = {}) => {
  const storage = options.storage ?? makeMemoryStorage()
  const base = `http://billkit.test${(options.basePath ?? "").replace(/\/+$/, "")}`
  const { app, apiKey, projectId, call } = await keyedClient(billkit({ ...options, storage }), base)
  return { app, key: apiKey, projectId, storage, call, request: sendTo(app, base) }
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
