/** The walk through the API every database must support: customers, then a sellable plan. */
import { expect } from "vitest"
import type { apiClient } from "./spawnServer.js"

type Api = ReturnType<typeof apiClient>

export const createCatalog = async (api: Api) => {
  const customer = await api("POST", "/v1/customers", { email: "ada@example.com", name: "Ada Lovelace" })
  expect(customer.status).toBe(201)
  expect(customer.body.id).toMatch(/^cus_/)

  const customers = await api("GET", "/v1/customers")
  expect(customers.status).toBe(200)
  expect(customers.body.object).toBe("list")
  expect(customers.body.data.map((c: { id: string }) => c.id)).toEqual([customer.body.id])

  const product = await api("POST", "/v1/products", { name: "Pro" })
  expect(product.status).toBe(201)
  const price = await api("POST", `/v1/products/${product.body.id}/prices`, {
    amount: 1000,
    currency: "EUR",
    schedule: "month"
  })
  expect(price.status).toBe(201)
  expect(price.body).toMatchObject({ amount: 1000, currency: "EUR", schedule: "month", product: product.body.id })
  const feature = await api("POST", "/v1/features", { code: "api_access", name: "API access" })
  expect(feature.status).toBe(201)
  const plan = await api("POST", "/v1/plans", {
    name: "Pro monthly",
    code_name: "pro_monthly",
    product: product.body.id,
    prices: [price.body.id],
    features: ["api_access"]
  })
  expect(plan.status).toBe(201)
  expect(plan.body).toMatchObject({ code_name: "pro_monthly", prices: [price.body.id] })

  return { customerId: customer.body.id as string, planId: plan.body.id as string }
}
