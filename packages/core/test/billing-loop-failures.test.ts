/**
 * The billing loop when one step breaks: its batch is rolled back and redone one step per
 * transaction, so the others are billed (numbers gapless, events written) and the broken one is
 * reported and stays due for the next run.
 */
import { Clock, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { fixedClock, type PaymentProviderService } from "@billkit/core"
import { makeApp, seedCatalog } from "./support.js"

// A card whose charge is a defect (the provider's SDK throws), not a decline.
const provider = (broken: { card: string | null }): PaymentProviderService => ({
  createPaymentMethod: (token) => Effect.succeed({ providerRef: token, brand: "test", last4: "4242", expMonth: 12, expYear: 2040 }),
  charge: (request) =>
    request.providerRef === broken.card
      ? Effect.dieMessage("provider SDK crashed")
      : Effect.succeed({ status: "succeeded" as const, providerRef: `ch_${request.providerRef}` }),
  refund: () => Effect.succeed({ providerRef: "re", status: "succeeded" as const })
})

describe("billing loop failures", () => {
  it("bills the rest of a batch when one step dies, and that one on a later run", async () => {
    const broken = { card: "card-b" as string | null }
    const { call } = await makeApp({ paymentProvider: provider(broken), clock: fixedClock(Date.parse("2024-01-01T00:00:00Z"), Clock.make()) })
    const { plan } = await seedCatalog(call)
    const subs: Array<any> = []
    for (const name of ["a", "b", "c"]) {
      const customer = (await call("POST", "/v1/customers", { email: `${name}@example.com` })).json
      await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: `card-${name}` })
      subs.push((await call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })).json)
    }
    const invoicesOf = async (sub: any) => (await call("GET", `/v1/invoices?subscription=${sub.id}`)).json.data

    // The 14-day trials end on 15 Jan. The first batch holds all three and also creates the
    // invoice counter; b's charge dies, so that batch rolls back (counter included) and each step
    // is redone alone: a and c are billed as the first two numbers, b is left for later.
    // Steps done: three trial-end notices (12 Jan), then two of the three trial ends.
    const advanced = await call("POST", "/v1/test-helpers/clock/advance", { to: "2024-01-16T00:00:00Z" })
    expect(advanced.status).toBe(200)
    expect(advanced.json.steps).toBe(5)
    // The advance says which step failed: it stays due for the next run.
    expect(advanced.json.failed).toEqual([subs[1].id])
    const [a, b, c] = await Promise.all(subs.map(invoicesOf))
    expect(a.map((i: any) => [i.number, i.status, i.total])).toEqual([["INV-000001", "paid", 2900]])
    expect(c.map((i: any) => [i.number, i.status, i.total])).toEqual([["INV-000002", "paid", 2900]])
    expect(b).toEqual([])
    expect((await call("GET", `/v1/subscriptions/${subs[1].id}`)).json.status).toBe("trialing")

    // The events of the steps that committed were written; none of the rolled-back ones.
    const events = (await call("GET", `/v1/events?subject=${a[0].id}`)).json.data.map((e: any) => e.type)
    expect(events.sort()).toEqual(["invoice.created", "invoice.finalized", "invoice.paid"])
    const paidEvents = (await call("GET", "/v1/events?type=invoice.paid")).json.data
    expect(paidEvents.map((e: any) => e.subject).sort()).toEqual([a[0].id, c[0].id].sort())

    // Mended, the next run bills b, still as of its trial end, with the next number.
    broken.card = null
    expect((await call("POST", "/v1/test-helpers/clock/advance", { seconds: 60 })).json).toMatchObject({ steps: 1, failed: [] })
    const [late] = await invoicesOf(subs[1])
    expect(late).toMatchObject({ number: "INV-000003", status: "paid", total: 2900, created_at: "2024-01-15T00:00:00.000Z" })
  })
})
