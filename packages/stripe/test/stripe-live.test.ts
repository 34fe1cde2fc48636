/**
 * A live check against Stripe's test mode: runs only when STRIPE_TEST_SECRET_KEY holds an
 * `sk_test_…` key (never a live key), and says it was skipped otherwise. The same path as the
 * fake-backed tests: a Stripe customer made on the first card, an invoice charged off session,
 * a decline read as Billkit's code, a refund.
 */
import { billkit, makeMemoryStorage } from "@billkit/core"
import { makeStripePaymentProvider } from "@billkit/stripe"
import { keyedClient } from "@billkit/testing"
import { describe, expect, it } from "vitest"

const key = process.env.STRIPE_TEST_SECRET_KEY?.trim() ?? ""
const usable = key.startsWith("sk_test_")
if (!usable) {
  console.log(
    key === ""
      ? "stripe-live: skipped (set STRIPE_TEST_SECRET_KEY=sk_test_… to check against Stripe's test mode)"
      : "stripe-live: skipped (STRIPE_TEST_SECRET_KEY is not a test key: sk_test_… only)"
  )
}

describe.skipIf(!usable)("Stripe test mode (live)", () => {
  it("stores a card, charges an invoice, reads a decline, refunds", async () => {
    const app = billkit({ storage: makeMemoryStorage(), paymentProvider: makeStripePaymentProvider({ secretKey: key }) })
    try {
      const client = await keyedClient(app)
      const call = async (method: string, path: string, body?: unknown) => (await client.call(method, path, body)).json
      const charge = async (token: string) => {
        const customer = await call("POST", "/v1/customers", { email: `live-check+${Date.now()}@example.com` })
        const card = await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token })
        expect(card.provider_ref).toMatch(/^pm_/)
        const invoice = await call("POST", "/v1/invoices", {
          customer: customer.id, currency: "EUR", lines: [{ description: "Live check", unit_amount: 1234, tax_rate: "0" }]
        })
        const finalized = await call("POST", `/v1/invoices/${invoice.id}/finalize`)
        const payments = await call("GET", `/v1/payments?customer=${customer.id}`)
        return { finalized, payment: payments.data[0] }
      }
      const ok = await charge("pm_card_visa")
      expect(ok.finalized).toMatchObject({ status: "paid", amount_paid: 1234 })
      expect(ok.payment.provider_ref).toMatch(/^pi_/)
      const refund = await call("POST", `/v1/payments/${ok.payment.id}/refunds`, { amount: 234 })
      expect(refund).toMatchObject({ status: "succeeded", amount: 234 })
      expect(refund.provider_ref).toMatch(/^re_/)
      const declined = await charge("pm_card_chargeCustomerFail")
      expect(declined.finalized.status).toBe("open")
      expect(declined.payment).toMatchObject({ status: "failed", failure_code: "card_declined" })
    } finally {
      await app.dispose()
    }
  }, 60_000)
})
