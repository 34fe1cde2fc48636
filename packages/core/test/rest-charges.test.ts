/**
 * REST commands that charge (house rule 8): the payment attempt commits before the provider is
 * called, the answer carries the outcome when the provider answers in time, and a provider that
 * does not leaves the payment pending for the billing loop to resume under the same key.
 */
import { Clock, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { fixedClock, type PaymentProviderService } from "@billkit/core"
import { makeApp, seedCatalog } from "./support.js"

const provider = (mode: { hang: boolean; decline: boolean }, keys: Array<string>): PaymentProviderService => ({
  createPaymentMethod: (token) => Effect.succeed({ providerRef: token, brand: "test", last4: "4242", expMonth: 12, expYear: 2040 }),
  charge: (request) =>
    Effect.suspend(() => {
      keys.push(request.idempotencyKey)
      if (mode.hang) return Effect.never
      return Effect.succeed(mode.decline
        ? { status: "failed" as const, providerRef: `ch_${request.idempotencyKey}`, failureCode: "card_declined", failureMessage: "declined" }
        : { status: "succeeded" as const, providerRef: `ch_${request.idempotencyKey}` })
    }),
  refund: (request) => Effect.succeed({ providerRef: `re_${request.idempotencyKey}`, status: "succeeded" as const })
})

describe("REST commands that charge", () => {
  it("subscription create with a card token: answers active when paid, incomplete with the payment pending when the provider hangs", async () => {
    const mode = { hang: false, decline: false }
    const keys: Array<string> = []
    const { call } = await makeApp({
      paymentProvider: provider(mode, keys),
      clock: fixedClock(Date.parse("2024-01-01T00:00:00Z"), Clock.make()),
      billing: { providerTimeoutMs: 50 }
    })
    const { plan } = await seedCatalog(call)
    const paid = (await call("POST", "/v1/customers", { email: "paid@example.com" })).json
    const sub = await call("POST", `/v1/customers/${paid.id}/subscriptions`, { plan: plan.code_name, deny_trial: true, card_token: "card-1" })
    expect(sub.json).toMatchObject({ status: "active" })
    const [first] = (await call("GET", `/v1/invoices?subscription=${sub.json.id}`)).json.data
    expect(keys).toEqual([`${first.id}:attempt-1`])

    mode.hang = true
    const slow = (await call("POST", "/v1/customers", { email: "slow@example.com" })).json
    const pending = await call("POST", `/v1/customers/${slow.id}/subscriptions`, { plan: plan.code_name, deny_trial: true, card_token: "card-2" })
    expect(pending.json).toMatchObject({ status: "incomplete" })
    const [open] = (await call("GET", `/v1/invoices?subscription=${pending.json.id}`)).json.data
    expect(open).toMatchObject({ status: "open", amount_remaining: 2900, attempt_count: 1, next_payment_attempt: null })
    const payments = (await call("GET", `/v1/customers/${slow.id}/payments`)).json.data
    expect(payments.map((p: any) => [p.status, p.amount, p.idempotency_key])).toEqual([["pending", 2900, `${open.id}:attempt-1`]])
    // No second attempt while one is pending, and no void either.
    expect((await call("POST", `/v1/invoices/${open.id}/pay`, {})).status).toBe(409)
    expect((await call("POST", `/v1/invoices/${open.id}/void`)).status).toBe(409)
    // Nor anything that would settle it another way, or the card could pay it twice.
    const outOfBand = await call("POST", `/v1/invoices/${open.id}/pay`, { paid_out_of_band: true })
    expect([outOfBand.status, outOfBand.json.detail]).toEqual([409, `a payment of invoice ${open.id} is in progress: mark it paid once its outcome is recorded`])
    const credit = await call("POST", `/v1/invoices/${open.id}/credit-notes`, { amount: 2900 })
    expect([credit.status, credit.json.detail]).toEqual([409, `a payment of invoice ${open.id} is in progress: credit it once its outcome is recorded`])

    // The provider is back: the loop resumes the attempt under its first key.
    mode.hang = false
    await call("POST", "/v1/test-helpers/clock/advance", { seconds: 60 })
    expect(keys).toEqual([`${first.id}:attempt-1`, `${open.id}:attempt-1`, `${open.id}:attempt-1`])
    expect((await call("GET", `/v1/invoices/${open.id}`)).json).toMatchObject({ status: "paid", amount_paid: 2900 })
    expect((await call("GET", `/v1/subscriptions/${pending.json.id}`)).json.status).toBe("active")
  })

  it("POST /v1/invoices/{id}/pay: a decline answers 409 and is kept as a failed payment; a new attempt has a new key", async () => {
    const mode = { hang: false, decline: true }
    const keys: Array<string> = []
    const { call } = await makeApp({ paymentProvider: provider(mode, keys), clock: fixedClock(Date.parse("2024-01-01T00:00:00Z"), Clock.make()) })
    const customer = (await call("POST", "/v1/customers", { email: "one-off@example.com" })).json
    await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "card-9" })
    const draft = (await call("POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "Setup", unit_amount: 5000 }] })).json
    const declined = await call("POST", `/v1/invoices/${draft.id}/pay`, {})
    expect(declined.status).toBe(409)
    mode.decline = false
    const paid = await call("POST", `/v1/invoices/${draft.id}/pay`, {})
    expect(paid.json).toMatchObject({ status: "paid", amount_paid: 5000, attempt_count: 2 })
    expect(keys).toEqual([`${draft.id}:attempt-1`, `${draft.id}:attempt-2`])
    const payments = (await call("GET", `/v1/customers/${customer.id}/payments`)).json.data
    expect(payments.map((p: any) => [p.status, p.amount, p.attempt, p.automatic])).toEqual([["failed", 5000, 1, false], ["succeeded", 5000, 2, false]])
  })

  it("a failed pay request on an invoice in dunning keeps the retry schedule: the next automatic retry still comes", async () => {
    const mode = { hang: false, decline: true }
    const keys: Array<string> = []
    const { call } = await makeApp({ paymentProvider: provider(mode, keys), clock: fixedClock(Date.parse("2024-01-01T00:00:00Z"), Clock.make()) })
    const { plan } = await seedCatalog(call)
    const customer = (await call("POST", "/v1/customers", { email: "dunning@example.com" })).json
    await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "card-d" })
    const sub = (await call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })).json
    // 15 Jan: the trial ends, the first charge is declined; dunning retries 1 day later (default 1, 3, 5).
    await call("POST", "/v1/test-helpers/clock/advance", { to: "2024-01-15T12:00:00Z" })
    const [open] = (await call("GET", `/v1/invoices?subscription=${sub.id}`)).json.data
    expect(open).toMatchObject({ status: "open", attempt_count: 1, next_payment_attempt: "2024-01-16T00:00:00.000Z" })
    // The customer pays by hand; the card declines again: 409, and the schedule stays.
    expect((await call("POST", `/v1/invoices/${open.id}/pay`, {})).status).toBe(409)
    expect((await call("GET", `/v1/invoices/${open.id}`)).json).toMatchObject({ attempt_count: 2, next_payment_attempt: "2024-01-16T00:00:00.000Z" })
    const failedEvents = (await call("GET", `/v1/events?type=invoice.payment_failed&subject=${open.id}`)).json.data
    expect(failedEvents).toHaveLength(2)
    // The retry comes on 16 Jan as planned, and pays.
    mode.decline = false
    await call("POST", "/v1/test-helpers/clock/advance", { to: "2024-01-16T00:00:01Z" })
    expect((await call("GET", `/v1/invoices/${open.id}`)).json).toMatchObject({ status: "paid", attempt_count: 3, next_payment_attempt: null })
    expect(keys).toEqual([`${open.id}:attempt-1`, `${open.id}:attempt-2`, `${open.id}:attempt-3`])
    expect((await call("GET", `/v1/subscriptions/${sub.id}`)).json.status).toBe("active")
  })
})
