/**
 * A renewal bills its own subscription's pending items, however many pending items the customer's
 * other subscriptions hold, and all of them. One page of 1,000 pending items was read for the whole
 * customer and filtered after: a busy subscription's items filled it, and another subscription's
 * prorations were left off its renewal for as long as the busy one stayed busy; items past the
 * 1,000th were left for a next invoice that a cancelled subscription never has.
 */
import { describe, expect, it } from "vitest"
import { makeMemoryStorage } from "@billkit/core"
import { linesOf, makeHarness } from "../../testing/src/billing/harness.js"

describe("pending invoice items on a renewal", () => {
  it("a subscription's proration rides on its renewal when another subscription of the customer has 1,001 pending items", async () => {
    // 1,000 and more seat changes in a second: a rate limit the test never reaches.
    const h = await makeHarness(makeMemoryStorage(), "2024-01-01T00:00:00Z", {}, { defaultRateLimits: [{ window: "second", max: 100_000 }] })
    const { plan } = await h.catalog({ currency: "EUR", amount: 3_100, perSeat: true })
    const customer = await h.customer()
    // B renews on 1 Feb; A, created on 5 Jan, on 5 Feb.
    const b = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, seats: 1 })
    await h.advance("2024-01-05T00:00:00Z")
    const a = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, seats: 1 })

    // 20 Jan: A gets 1,001 prorated seat additions (each a pending item), then B one, the newest.
    await h.advance("2024-01-20T00:00:00Z")
    for (let i = 0; i < 1_001; i++) await h.ok("POST", `/v1/subscriptions/${a.id}/seats/add`, { seats: 1 })
    expect(await h.ok("POST", `/v1/subscriptions/${b.id}/seats/add`, { seats: 1 })).toMatchObject({ seats: 2 })

    // 1 Feb: B renews. 20 Jan → 1 Feb is 12 of January's 31 days: one seat 3100 × 12/31 = 1200.
    await h.advance("2024-02-01T00:00:00Z")
    const [, renewal] = await h.invoicesOf(b.id)
    expect(linesOf(renewal).map(([type, amount]) => [type, amount])).toEqual([["proration", 1200], ["subscription", 6200]])
    expect(renewal).toMatchObject({ sub_total: 7400, status: "paid" })

    // 5 Feb: A renews with all 1,001 of its items, none left pending: 5 Jan → 5 Feb is 31 days,
    // 20 Jan → 5 Feb 16 of them, so each seat's proration is 3100 × 16/31 = 1600.
    await h.advance("2024-02-05T00:00:00Z")
    const [, aRenewal] = await h.invoicesOf(a.id)
    const prorations = aRenewal.lines.filter((l: any) => l.type === "proration")
    expect(prorations).toHaveLength(1_001)
    expect(prorations.every((l: any) => l.amount === 1600)).toBe(true)
    expect(aRenewal).toMatchObject({ sub_total: 1_001 * 1600 + 1_002 * 3100, status: "paid" })
  }, 120_000)
})
