/** @billkit/client against the built example server on a SQLite file: the calls a service makes, and a problem as BillkitProblem. */
import { BillkitProblem, createClient } from "@billkit/client"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { spawnServer, tempDir, type SpawnedServer } from "./support/spawnServer.js"

describe("@billkit/client against the example server", () => {
  let server: SpawnedServer
  beforeAll(async () => {
    server = await spawnServer({ cwd: tempDir() })
  })
  afterAll(async () => {
    expect(await server.stop()).toBe(0)
  })

  it("creates a customer, a plan and a subscription, lists its invoices, and maps a refusal to a typed problem", async () => {
    const client = createClient({ baseUrl: server.url, apiKey: server.printedKey! })
    const customer = await client.customers.create({ payload: { email: "ada@example.com", name: "Ada Lovelace" } })
    expect(customer.id).toMatch(/^cus_/)
    await client.paymentMethods.attach({ path: { id: customer.id }, payload: { token: "tok_visa" } })

    const product = await client.products.create({ payload: { name: "Pro" } })
    const price = await client.prices.create({ path: { id: product.id }, payload: { amount: 2900, currency: "EUR", schedule: "month" } })
    const plan = await client.plans.create({ payload: { name: "Pro monthly", codeName: "pro_monthly", product: product.id, prices: [price.id] } })
    expect(plan.codeName).toBe("pro_monthly")

    const subscription = await client.subscriptions.create({ path: { id: customer.id }, payload: { plan: "pro_monthly" } })
    expect(subscription).toMatchObject({ customer: customer.id, plan: plan.id, status: "active" })

    const invoices = await client.invoices.list({ urlParams: { subscription: subscription.id } })
    expect(invoices.data).toHaveLength(1)
    expect(invoices.data[0]).toMatchObject({ customer: customer.id, total: 2900, currency: "EUR", status: "paid" })

    const refused = await client.subscriptions.create({ path: { id: customer.id }, payload: { plan: "no_such_plan" } }).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(BillkitProblem)
    expect(refused).toMatchObject({ status: 422, type: "urn:billkit:error:validation", errors: [{ field: "plan" }] })
    const missing = await client.subscriptions.retrieve({ path: { id: "sub_01J0000000000000000000000" } }).catch((e: unknown) => e)
    expect(missing).toMatchObject({ status: 404, type: "urn:billkit:error:not_found" })
    const taken = await client.customers.create({ payload: { email: "ada@example.com" } }).catch((e: unknown) => e)
    expect(taken).toMatchObject({ status: 409, type: "urn:billkit:error:conflict", errors: [{ field: "email" }] })
    // The payload is encoded by the same schema before it is sent: a bad email never leaves the client.
    const invalid = await client.customers.create({ payload: { email: "not an email" } }).catch((e: unknown) => e)
    expect(invalid).toMatchObject({ _tag: "ParseError" })
    expect((await client.customers.list()).data).toHaveLength(1)
  })
})
