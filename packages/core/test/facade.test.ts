/** The Promise façade: the same services without Effect, with the same validation and errors. */
import { BigDecimal } from "effect"
import { describe, expect, it } from "vitest"
import { Conflict, Invalid, NotFound, billkit, makeMemoryStorage } from "@billkit/core"

describe("Promise façade", () => {
  it("creates and reads records of one project, rejecting with domain errors", async () => {
    const storage = makeMemoryStorage()
    const billing = billkit({ storage })
    const { projectId, apiKey } = await billing.bootstrap()
    const project = billing.project(projectId)

    const customer = await project.customers.create({ email: "jane@example.com", standardTaxRate: BigDecimal.unsafeFromString("19.5") })
    expect(customer.id).toMatch(/^cus_/)
    expect(BigDecimal.format(customer.standardTaxRate!)).toBe("19.5")
    await expect(project.customers.create({ email: "JANE@example.com" })).rejects.toBeInstanceOf(Conflict)
    await expect(project.customers.create({ email: "nope" })).rejects.toMatchObject({ _tag: "Invalid", field: "email" })
    await expect(project.customers.retrieve("cus_01ARZ3NDEKTSV4RRFFQ69G5FAV")).rejects.toBeInstanceOf(NotFound)

    const product = await project.products.create({ name: "Pro" })
    const price = await project.prices.create(product.id, { amount: 2900, currency: "EUR", schedule: "month" })
    await expect(project.prices.create(product.id, { amount: 1.5, currency: "EUR" })).rejects.toBeInstanceOf(Invalid)
    const plan = await project.plans.create({ name: "Pro", codeName: "pro", product: product.id, prices: [price.id] })
    expect((await project.plans.retrieve("pro")).id).toBe(plan.id)

    // What the façade wrote, the REST surface serves.
    const response = await billing.handler(new Request(`http://x/v1/customers/${customer.id}`, { headers: { authorization: `Bearer ${apiKey}` } }))
    expect((await response.json()).email).toBe("jane@example.com")
    // Another mode of the same project sees nothing.
    expect((await billing.project(projectId, "live").customers.list()).data).toEqual([])
    await billing.dispose()
  })

  it("bootstraps once, or provisions the operator's key", async () => {
    const storage = makeMemoryStorage()
    const billing = billkit({ storage })
    const first = await billing.bootstrap()
    expect(first.created).toBe(true)
    expect(first.apiKey).toMatch(/^sk_test_/)
    const second = await billing.bootstrap()
    expect(second).toEqual({ projectId: first.projectId, created: false })
    const chosen = "sk_test_operatorChosenKey123456"
    const provisioned = await billing.bootstrap({ apiKey: chosen })
    expect(provisioned).toEqual({ projectId: first.projectId, created: false })
    const response = await billing.handler(new Request("http://x/v1/customers", { headers: { authorization: `Bearer ${chosen}` } }))
    expect(response.status).toBe(200)
    await expect(billing.bootstrap({ apiKey: "not-a-key" })).rejects.toMatchObject({ _tag: "Invalid", field: "apiKey" })
  })
})
