/**
 * Every event type of API.md §3 is emitted when it happens, carries a snapshot of its record as
 * the API showed it then, and reaches a webhook endpoint subscribed to `*` signed.
 */
import { afterAll, describe, expect, it } from "vitest"
import { eventTypes } from "@billkit/core"
import { makeApp } from "./support.js"
import { startReceiver, type Receiver } from "./webhookReceivers.js"

let receiver: Receiver | undefined
afterAll(async () => receiver?.close())

describe("every event type", () => {
  it("is emitted with a snapshot of its record and delivered", async () => {
    const { app, call } = await makeApp({ webhooks: { allowPrivateNetworks: true } })
    receiver = await startReceiver("ok")
    const ok = async (method: string, path: string, body?: unknown) => {
      const reply = await call(method, path, body)
      if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status} ${JSON.stringify(reply.json)}`)
      return reply.json
    }
    const endpoint = await ok("POST", "/v1/webhook-endpoints", { url: receiver.url, events: ["*"] })
    receiver.secrets = [endpoint.secret]
    await ok("POST", "/v1/test-helpers/clock/advance", { to: "2030-01-01T00:00:00Z" })

    const product = await ok("POST", "/v1/products", { name: "Pro" })
    const price = await ok("POST", `/v1/products/${product.id}/prices`, { amount: 1000, currency: "EUR", schedule: "month" })
    await ok("POST", "/v1/plans", { name: "Trial", code_name: "trial", product: product.id, prices: [price.id], trial_length_days: 14 })
    await ok("POST", "/v1/plans", { name: "Paid", code_name: "paid", product: product.id, prices: [price.id] })
    await ok("POST", "/v1/metrics", { code: "calls", name: "Calls", aggregation_method: "count" })

    // customer.*
    const gone = await ok("POST", "/v1/customers", { email: "gone@example.com" })
    await ok("PATCH", `/v1/customers/${gone.id}`, { name: "Gone" })
    await ok("DELETE", `/v1/customers/${gone.id}`)

    // subscription.created, updated, paused, resumed, trial_will_end, canceled
    const trialist = await ok("POST", "/v1/customers", { email: "trial@example.com" })
    await ok("POST", `/v1/customers/${trialist.id}/payment-methods`, { token: "tok_visa" })
    const trial = await ok("POST", `/v1/customers/${trialist.id}/subscriptions`, { plan: "trial" })
    await ok("POST", "/v1/test-helpers/clock/advance", { to: "2030-01-12T00:00:00Z" })
    await ok("POST", `/v1/subscriptions/${trial.id}/seats/add`, { seats: 1 })
    await ok("POST", "/v1/test-helpers/clock/advance", { to: "2030-01-16T00:00:00Z" })
    await ok("POST", `/v1/subscriptions/${trial.id}/pause`)
    await ok("POST", `/v1/subscriptions/${trial.id}/resume`)
    await ok("POST", `/v1/subscriptions/${trial.id}/cancel`, { when: "instantly" })

    // invoice.created, finalized, paid; payment.succeeded; refund.created; credit_note.created
    const payer = await ok("POST", "/v1/customers", { email: "payer@example.com" })
    await ok("POST", `/v1/customers/${payer.id}/payment-methods`, { token: "tok_visa" })
    await ok("POST", `/v1/customers/${payer.id}/subscriptions`, { plan: "paid" })
    const paid = (await ok("GET", `/v1/invoices?customer=${payer.id}`)).data[0]
    const payment = (await ok("GET", `/v1/payments?customer=${payer.id}`)).data[0]
    await ok("POST", `/v1/payments/${payment.id}/refunds`, { amount: 100 })
    await ok("POST", `/v1/invoices/${paid.id}/credit-notes`, { amount: 100 })

    // payment.failed, invoice.payment_failed
    const declined = await ok("POST", "/v1/customers", { email: "declined@example.com" })
    await ok("POST", `/v1/customers/${declined.id}/payment-methods`, { token: "tok_chargeDeclined" })
    await call("POST", `/v1/customers/${declined.id}/subscriptions`, { plan: "paid" })

    // invoice.voided
    const billed = await ok("POST", "/v1/customers", { email: "billed@example.com" })
    const draft = await ok("POST", "/v1/invoices", { customer: billed.id, currency: "EUR", lines: [{ description: "Setup", unit_amount: 1000 }] })
    await ok("POST", `/v1/invoices/${draft.id}/finalize`)
    await ok("POST", `/v1/invoices/${draft.id}/void`)

    // usage_limit.warning, usage_limit.disabled
    const user = await ok("POST", "/v1/customers", { email: "user@example.com" })
    await ok("POST", `/v1/customers/${user.id}/payment-methods`, { token: "tok_visa" })
    const usagePlan = await ok("POST", "/v1/plans", { name: "Usage", code_name: "usage", product: product.id, prices: [price.id] })
    const usagePrice = await ok("POST", `/v1/products/${product.id}/prices`, {
      currency: "EUR", schedule: "month", metric: "calls", charge_model: "per_unit", unit_amount_decimal: "100"
    })
    await ok("PATCH", `/v1/plans/${usagePlan.id}`, { prices: [price.id, usagePrice.id] })
    await ok("POST", `/v1/customers/${user.id}/subscriptions`, { plan: "usage" })
    await ok("POST", `/v1/customers/${user.id}/usage-limits`, { amount: 200, currency: "EUR", action: "WARNING" })
    await ok("POST", `/v1/customers/${user.id}/usage-limits`, { amount: 300, currency: "EUR", action: "DISABLE" })
    await ok("POST", "/v1/usage-events", { events: [1, 2, 3].map((i) => ({ event_id: `u${i}`, customer: user.id, code: "calls" })) })

    // referral.applied, referral.rewarded (the referred customer's first paid invoice)
    await ok("PUT", "/v1/referrals/config", { referrer_reward: { type: "balance_credit", amount: 500, currency: "EUR" } })
    const referrer = await ok("POST", "/v1/customers", { email: "referrer@example.com" })
    await ok("POST", "/v1/referral-codes", { customer: referrer.id, code: "FRIEND" })
    const referred = await ok("POST", "/v1/customers", { email: "referred@example.com" })
    await ok("POST", `/v1/customers/${referred.id}/payment-methods`, { token: "tok_visa" })
    await ok("POST", "/v1/referral-codes/FRIEND/apply", { customer: referred.id })
    await ok("POST", `/v1/customers/${referred.id}/subscriptions`, { plan: "paid" })

    const all: Array<any> = []
    for (let after: string | null = null; ;) {
      const page: any = await ok("GET", `/v1/events?limit=100${after === null ? "" : `&starting_after=${after}`}`)
      all.push(...page.data)
      if (!page.has_more) break
      after = page.next_cursor
    }
    // API.md §3's twenty and the two referral events; webhook endpoints' own events and
    // checkout.session.completed have their own tests (webhooks.test.ts, checkout.test.ts), and a
    // payment's dispute needs Stripe's (packages/stripe/test/stripe-connection-webhooks.test.ts), and
    // subscription.migrated an imported Stripe subscription (testing/src/connections/migrateScenarios.ts).
    const apiTypes = eventTypes.filter((t) =>
      !t.startsWith("webhook_endpoint.") && t !== "checkout.session.completed" && !t.startsWith("payment.dispute") &&
      t !== "subscription.migrated"
    )
    expect(apiTypes).toHaveLength(20 + 2)
    const seen = new Set(all.map((e) => e.type))
    expect(apiTypes.filter((t) => !seen.has(t))).toEqual([])
    // Each carries its record as the API showed it then: an object whose id is the subject.
    for (const e of all) {
      expect([e.type, typeof e.data, e.data.id]).toEqual([e.type, "object", e.subject])
    }
    const updated = all.find((e) => e.type === "customer.updated")
    expect(updated.data).toMatchObject({ id: gone.id, name: "Gone", status: "active" })

    // And every one reaches the endpoint, signed.
    for (let i = 0; i < 5; i++) await app.runDeliveries()
    const delivered = receiver.received.map((r) => r.verified[0] as any)
    expect(delivered.every((d) => d !== undefined)).toBe(true)
    expect(new Set(delivered.map((d) => d.type))).toEqual(seen)
    expect(delivered).toHaveLength(all.length)
  }, 60_000)
})
