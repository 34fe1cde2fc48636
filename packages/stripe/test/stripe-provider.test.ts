/**
 * The Stripe provider through Billkit's REST API, against the fake Stripe: what a host relies on
 * (one Stripe customer per Billkit customer, the tokens it takes, one PaymentIntent per attempt
 * key, 3-D Secure as `requires_action` with Stripe's page, declines with Billkit's codes, refunds).
 */
import { billkit, makeMemoryStorage } from "@billkit/core"
import { keyedClient, type KeyedClient } from "@billkit/testing"
import { startFakeStripe } from "@billkit/testing/stripe"
import { afterAll, beforeEach, describe, expect, it } from "vitest"
import { stripeProviderFor } from "./support.js"

const fake = await startFakeStripe()
const stripe = fake.client()
afterAll(() => fake.close())

let h: KeyedClient
beforeEach(async () => {
  h = await keyedClient(billkit({ storage: makeMemoryStorage(), paymentProvider: stripeProviderFor(fake) }))
  return () => h.app.dispose()
})

/** An open one-off invoice of `amount` EUR cents, finalized (which charges the default card). */
const invoiceFor = async (customer: string, amount: number) => {
  const invoice = await h.call("POST", "/v1/invoices", {
    customer, currency: "EUR", lines: [{ description: "Consulting", unit_amount: amount, tax_rate: "0" }]
  })
  expect(invoice.status, JSON.stringify(invoice.json)).toBe(201)
  return (await h.call("POST", `/v1/invoices/${invoice.json.id}/finalize`)).json
}

describe("Stripe provider", () => {
  it("makes one Stripe customer per Billkit customer, on the first card, and keeps ids on both sides", async () => {
    const customer = (await h.call("POST", "/v1/customers", { email: "ada@example.com", name: "Ada" })).json
    const before = fake.store.countCalls("POST", "/v1/customers")
    const first = await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
    const second = await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_mastercard" })
    expect([first.status, second.status]).toEqual([201, 201])
    expect(fake.store.countCalls("POST", "/v1/customers")).toBe(before + 1)
    const stripeCustomers = [...fake.store.customers.values()].filter((c) => c.metadata.billkit_customer === customer.id)
    expect(stripeCustomers.map((c) => [c.email, c.name])).toEqual([["ada@example.com", "Ada"]])
    for (const card of [first.json, second.json]) {
      expect(fake.store.paymentMethods.get(card.provider_ref)?.customer).toBe(stripeCustomers[0].id)
    }
    expect([first.json.brand, first.json.last4, second.json.brand, second.json.last4]).toEqual(["visa", "4242", "mastercard", "4444"])
  })

  it("takes a pm_… made by Stripe.js and a succeeded SetupIntent; refuses an unknown token with 422 on token", async () => {
    const customer = (await h.call("POST", "/v1/customers", { email: "grace@example.com" })).json
    const pm = await stripe.paymentMethods.create({ type: "card", card: { token: "tok_visa" } })
    const byPm = await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: pm.id })
    expect(byPm.status).toBe(201)
    expect(byPm.json.provider_ref).toBe(pm.id)
    const setup = await stripe.setupIntents.create({ payment_method: "pm_card_amex", confirm: true })
    expect(setup.status).toBe("succeeded")
    const bySetup = await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: setup.id })
    expect(bySetup.status).toBe(201)
    expect(bySetup.json).toMatchObject({ brand: "amex", last4: "8431", provider_ref: setup.payment_method })
    const unknown = await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_nope" })
    expect(unknown.status).toBe(422)
    expect(JSON.stringify(unknown.json)).toContain("token")
  })

  it("charges an invoice as one off-session PaymentIntent under the attempt's key", async () => {
    const customer = (await h.call("POST", "/v1/customers", { email: "lin@example.com" })).json
    await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_visa" })
    const invoice = await invoiceFor(customer.id, 4200)
    expect(invoice).toMatchObject({ status: "paid", amount_paid: 4200 })
    const intents = [...fake.store.paymentIntents.values()].filter((pi) => pi.metadata.billkit_idempotency_key === `${invoice.id}:attempt-1`)
    expect(intents.map((pi) => [pi.status, pi.amount, pi.currency, pi.customer])).toEqual([
      ["succeeded", 4200, "eur", [...fake.store.customers.values()].find((c) => c.metadata.billkit_customer === customer.id)?.id]
    ])
    expect(fake.store.calls.filter((c) => c.idempotencyKey === `${invoice.id}:attempt-1`)).toHaveLength(1)
    const payments = (await h.call("GET", `/v1/payments?customer=${customer.id}`)).json.data
    expect(payments.map((p: any) => [p.status, p.amount, p.provider_ref])).toEqual([["succeeded", 4200, intents[0].id]])
  })

  it("reads declines as Billkit's failure codes and leaves the invoice open", async () => {
    for (const [token, code] of [["pm_card_chargeDeclined", "card_declined"], ["pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"]]) {
      const customer = (await h.call("POST", "/v1/customers", { email: `${code}@example.com` })).json
      await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token })
      const invoice = await invoiceFor(customer.id, 1500)
      expect(invoice.status).toBe("open")
      const payments = (await h.call("GET", `/v1/payments?customer=${customer.id}`)).json.data
      expect(payments.map((p: any) => [p.status, p.failure_code])).toEqual([["failed", code]])
      expect(fake.store.paymentIntents.get(payments[0].provider_ref)?.status).toBe("requires_payment_method")
    }
  })

  it("3-D Secure: the payment requires_action with Stripe's page as next_action_url, the invoice stays open", async () => {
    const customer = (await h.call("POST", "/v1/customers", { email: "3ds@example.com" })).json
    await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_authenticationRequired" })
    const invoice = await invoiceFor(customer.id, 2500)
    expect(invoice.status).toBe("open")
    const [payment] = (await h.call("GET", `/v1/payments?customer=${customer.id}`)).json.data
    expect(payment.status).toBe("requires_action")
    expect(payment.next_action_url).toBe(`${fake.url}/_fake/authenticate/${payment.provider_ref}`)
    expect(fake.store.paymentIntents.get(payment.provider_ref)).toMatchObject({
      status: "requires_action",
      next_action: { redirect_to_url: { return_url: "https://shop.example/billing/return" } }
    })
  })

  it("refunds through Stripe under the refund's id, once", async () => {
    const customer = (await h.call("POST", "/v1/customers", { email: "refund@example.com" })).json
    await h.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_visa" })
    await invoiceFor(customer.id, 3000)
    const [payment] = (await h.call("GET", `/v1/payments?customer=${customer.id}`)).json.data
    const refund = await h.call("POST", `/v1/payments/${payment.id}/refunds`, { amount: 1200 })
    expect(refund.status).toBe(201)
    expect(refund.json).toMatchObject({ status: "succeeded", amount: 1200 })
    const stripeRefund = fake.store.refunds.get(refund.json.provider_ref)
    expect(stripeRefund).toMatchObject({ amount: 1200, payment_intent: payment.provider_ref, metadata: { billkit_refund: refund.json.id } })
    expect(fake.store.calls.filter((c) => c.idempotencyKey === refund.json.id)).toHaveLength(1)
    const charge = fake.store.charges.get(stripeRefund!.charge as string)
    expect([charge?.amount, charge?.amount_refunded]).toEqual([3000, 1200])
  })
})
