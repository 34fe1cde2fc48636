/** billkit({ paymentProvider }): a host's own provider takes the charges instead of the fake one. */
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { PaymentProviderService } from "@billkit/core"
import { makeApp, seedCatalog } from "./support.js"

describe("paymentProvider option", () => {
  it("attaches cards and charges invoices through the given provider", async () => {
    const charges: Array<{ providerRef: string; amount: number; currency: string }> = []
    const provider: PaymentProviderService = {
      createPaymentMethod: (token) => Effect.succeed({ providerRef: `acme_${token}`, brand: "acme", last4: "0001", expMonth: 12, expYear: 2040 }),
      charge: (request) => Effect.sync(() => {
        charges.push({ providerRef: request.providerRef, amount: request.amount, currency: request.currency })
        return { status: "succeeded" as const, providerRef: `acme_charge_${charges.length}` }
      }),
      refund: () => Effect.succeed({ providerRef: "acme_refund", status: "succeeded" as const })
    }
    const { call } = await makeApp({ paymentProvider: provider })
    const { plan } = await seedCatalog(call)
    const customer = (await call("POST", "/v1/customers", { email: "acme@example.com" })).json
    const method = (await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "card-123" })).json
    expect(method).toMatchObject({ brand: "acme", last4: "0001" })
    const sub = (await call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name, deny_trial: true })).json
    expect(sub.status).toBe("active")
    expect(charges).toEqual([{ providerRef: "acme_card-123", amount: 2900, currency: "EUR" }])
    const payment = (await call("GET", `/v1/customers/${customer.id}/payments`)).json.data[0]
    expect(payment).toMatchObject({ status: "succeeded", amount: 2900, provider_ref: "acme_charge_1" })
  })
})
