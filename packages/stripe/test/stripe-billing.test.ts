/**
 * The worked billing scenarios with the Stripe provider against the fake Stripe, on SQLite and on
 * Postgres: the same amounts as with the built-in fake provider, every charge and refund going
 * through the real SDK.
 */
import { billingScenarios } from "@billkit/testing"
import { startFakeStripe } from "@billkit/testing/stripe"
import { afterAll, expect } from "vitest"
import { postgresUnderTest, sqliteUnderTest, stripeProviderFor } from "./support.js"

const fake = await startFakeStripe()
afterAll(async () => {
  // The scenarios' money really went through Stripe's API: customers, cards, PaymentIntents, refunds.
  for (const path of ["/v1/customers", "/v1/payment_methods", "/v1/payment_intents", "/v1/refunds"]) {
    expect(fake.store.countCalls("POST", path), path).toBeGreaterThan(0)
  }
  await fake.close()
})

billingScenarios("sqlite + stripe", sqliteUnderTest, undefined, { paymentProvider: () => stripeProviderFor(fake) })
billingScenarios("postgres + stripe", postgresUnderTest, undefined, { paymentProvider: () => stripeProviderFor(fake) })
