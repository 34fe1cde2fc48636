/**
 * One test-clock advance over a dunning schedule's end and the next renewal: money moves only
 * after a batch commits, so the renewal must not be billed in the batch that sends the final
 * retry. Whatever the batch size, the subscription ends `unpaid` and is not renewed.
 */
import { Clock } from "effect"
import { describe, expect, it } from "vitest"
import { billkit, fixedClock, makeMemoryStorage } from "@billkit/core"
import { keyedClient } from "@billkit/testing"
import { oneStepPerCustomer } from "../src/operations/BillingLoop.js"

describe("billing loop: a customer's steps in due order, one per batch", () => {
  it("a final failed retry turns the subscription unpaid before its next renewal is due", async () => {
    const billing = billkit({ storage: makeMemoryStorage(), clock: fixedClock(Date.parse("2030-01-01T00:00:00Z"), Clock.make()) })
    const { projectId, call } = await keyedClient(billing, "http://test")
    const advance = async (to: string) => (await call("POST", "/v1/test-helpers/clock/advance", { to })).json
    await advance("2030-01-10T00:00:00Z")
    const project = billing.project(projectId)
    const product = await project.products.create({ name: "Pro" })
    const price = await project.prices.create(product.id, { amount: 1000, currency: "EUR", schedule: "month" })
    await project.plans.create({ name: "Pro", codeName: "pro", product: product.id, prices: [price.id] })
    const customer = await project.customers.create({ email: "ada@example.com" })
    await project.paymentMethods.attach(customer.id, { token: "tok_visa" })
    const sub = await project.subscriptions.create(customer.id, { plan: "pro" })
    const declining = await project.paymentMethods.attach(customer.id, { token: "tok_chargeDeclined" })
    await project.paymentMethods.setDefault(customer.id, declining.id)

    // 10 Feb: renewal declined; retries on 11, 13 and 15 Feb decline too; 10 Mar would renew.
    expect(await advance("2030-03-20T00:00:00Z")).toMatchObject({ failed: [] })
    const after = await project.subscriptions.retrieve(sub.id)
    expect(after.status).toBe("unpaid")
    expect(after.currentPeriodEnd).toBe("2030-03-10T00:00:00.000Z")
    const invoices = (await project.invoices.list({}, { subscription: sub.id })).data
    expect(invoices.map((i) => [i.createdAt.slice(0, 10), i.status, i.attemptCount])).toEqual([
      ["2030-01-10", "paid", 1],
      ["2030-02-10", "open", 4]
    ])
    await billing.dispose()
  })

  it("cuts a batch before a customer's second step, keeping due order", () => {
    const work = (id: string, customer: string, at: number) => ({ kind: "subscription" as const, id, at, row: { id, customer } })
    const due = [work("a", "c1", 1), work("b", "c2", 2), work("c", "c1", 3), work("d", "c3", 4)]
    expect(oneStepPerCustomer(due, 8).map((w) => w.id)).toEqual(["a", "b"])
    expect(oneStepPerCustomer(due, 1).map((w) => w.id)).toEqual(["a"])
    expect(oneStepPerCustomer(due.slice(1), 8).map((w) => w.id)).toEqual(["b", "c", "d"])
  })
})
