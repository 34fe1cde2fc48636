/**
 * Inbound Stripe webhooks through Billkit's REST API, from the fake Stripe signing with the real
 * SDK: a 3-D Secure payment is settled by `payment_intent.succeeded`; duplicate deliveries are
 * processed once; a late `payment_failed` changes nothing; bad and stale signatures are 400s that
 * change nothing.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { billkit, makeMemoryStorage } from "@billkit/core"
import { makeStripePaymentProvider } from "@billkit/stripe"
import { startFakeStripe } from "@billkit/testing/stripe"
import { keyedClient, type KeyedClient, type StorageUnderTest } from "@billkit/testing"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { postgresUnderTest, sqliteUnderTest } from "./support.js"

const webhookSecret = "whsec_test_billkit"
const fake = await startFakeStripe()
afterAll(() => fake.close())

let app: ReturnType<typeof billkit>
let call: KeyedClient["call"]
// Stripe posts to a real URL: a node server handing each request to the current app.
const server = createServer(async (req, res) => {
  const chunks: Array<Buffer> = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  const response = await app.handler(new Request(`http://billkit.test${req.url}`, {
    method: req.method,
    headers: req.headers as Record<string, string>,
    body: Buffer.concat(chunks)
  }))
  res.writeHead(response.status, Object.fromEntries(response.headers))
  res.end(Buffer.from(await response.arrayBuffer()))
})
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/providers/stripe/webhook/default`
fake.webhooks.register({ url: webhookUrl, secret: webhookSecret })
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const memoryUnderTest = async (): Promise<StorageUnderTest> => ({ storage: makeMemoryStorage(), reset: async () => {}, close: async () => {} })

const startApp = async (storage: StorageUnderTest["storage"]) => {
  app = billkit({
    storage,
    paymentProvider: makeStripePaymentProvider({ secretKey: fake.secretKey, apiBase: fake.url, maxNetworkRetries: 0, webhookSecret })
  })
  call = (await keyedClient(app)).call
  fake.webhooks.hold()
}

/** A finalized invoice charged to a card that needs 3-D Secure: its payment `requires_action`. */
const threeDSecureInvoice = async () => {
  const customer = (await call("POST", "/v1/customers", { email: "3ds@example.com" })).json
  await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_authenticationRequired" })
  const draft = await call("POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "Consulting", unit_amount: 2500, tax_rate: "0" }] })
  const invoice = (await call("POST", `/v1/invoices/${draft.json.id}/finalize`)).json
  const [payment] = (await call("GET", `/v1/payments?customer=${customer.id}`)).json.data
  expect([invoice.status, payment.status]).toEqual(["open", "requires_action"])
  // What happened so far (customer, card, the attempt) is delivered now; Billkit ignores it.
  await fake.webhooks.flush()
  return { invoice, payment }
}

/** The customer authenticates at their bank; Stripe queues the event (held). */
const authenticate = async (providerRef: string, outcome = "pass") => {
  const response = await fetch(`${fake.url}/_fake/authenticate/${providerRef}?outcome=${outcome}`, { redirect: "manual" })
  await response.arrayBuffer()
}

const state = async (invoiceId: string, paymentId: string) => ({
  invoice: (await call("GET", `/v1/invoices/${invoiceId}`)).json.status,
  payment: (await call("GET", `/v1/payments/${paymentId}`)).json.status
})

const backends: ReadonlyArray<readonly [string, () => Promise<StorageUnderTest>]> = [
  ["memory", memoryUnderTest], ["sqlite", sqliteUnderTest], ["postgres", postgresUnderTest]
]

for (const [backend, makeStorage] of backends) describe(`Stripe webhooks (${backend})`, () => {
  let under: StorageUnderTest
  beforeAll(async () => {
    under = await makeStorage()
  })
  afterAll(() => under.close())
  beforeEach(async () => {
    // Memory starts empty each time; SQL backends are emptied.
    if (backend === "memory") under = await memoryUnderTest()
    else await under.reset()
    await startApp(under.storage)
    return async () => {
      await fake.webhooks.release().catch(() => [])
      await app.dispose()
    }
  })

  it("payment_intent.succeeded settles a 3-D Secure payment and pays its invoice", async () => {
    const { invoice, payment } = await threeDSecureInvoice()
    await authenticate(payment.provider_ref)
    const deliveries = await fake.webhooks.flush()
    expect(deliveries.filter((d) => d.event.type === "payment_intent.succeeded").map((d) => d.status)).toEqual([200])
    expect(await state(invoice.id, payment.id)).toEqual({ invoice: "paid", payment: "succeeded" })
  })

  it("a duplicated delivery is processed once", async () => {
    const { invoice, payment } = await threeDSecureInvoice()
    await authenticate(payment.provider_ref)
    const deliveries = await fake.webhooks.flush({ duplicate: true })
    expect(deliveries.every((d) => d.status === 200)).toBe(true)
    expect(await state(invoice.id, payment.id)).toEqual({ invoice: "paid", payment: "succeeded" })
    const events = (await call("GET", "/v1/events?limit=100")).json.data as Array<any>
    expect(events.filter((e) => e.type === "payment.succeeded")).toHaveLength(1)
    expect(events.filter((e) => e.type === "invoice.paid")).toHaveLength(1)
  })

  it("a late payment_intent.payment_failed after succeeded changes nothing", async () => {
    const { invoice, payment } = await threeDSecureInvoice()
    await authenticate(payment.provider_ref)
    const succeeded = fake.webhooks.pending().find((e) => e.type === "payment_intent.succeeded")!
    expect(succeeded).toBeDefined()
    await fake.webhooks.flush()
    // A stale failure notice for the same PaymentIntent, delivered late (Stripe does not promise order).
    const late = { ...succeeded, id: "evt_late_failure", type: "payment_intent.payment_failed" } as unknown as typeof succeeded
    const [delivery] = await fake.webhooks.send(late)
    expect(delivery.status).toBe(200)
    expect(await state(invoice.id, payment.id)).toEqual({ invoice: "paid", payment: "succeeded" })
  })

  it("a payment_failed read back as failed fails the payment; the invoice stays open", async () => {
    const { invoice, payment } = await threeDSecureInvoice()
    await authenticate(payment.provider_ref, "fail")
    await fake.webhooks.flush()
    expect(await state(invoice.id, payment.id)).toEqual({ invoice: "open", payment: "failed" })
  })

  it("a refund made in Stripe's dashboard appears as a Billkit refund, once; Billkit's own refunds are not doubled", async () => {
    const customer = (await call("POST", "/v1/customers", { email: "refund@example.com" })).json
    await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_visa" })
    const draft = await call("POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "Consulting", unit_amount: 3000, tax_rate: "0" }] })
    expect((await call("POST", `/v1/invoices/${draft.json.id}/finalize`)).json.status).toBe("paid")
    const [payment] = (await call("GET", `/v1/payments?customer=${customer.id}`)).json.data
    const own = await call("POST", `/v1/payments/${payment.id}/refunds`, { amount: 500 })
    expect(own.json.status).toBe("succeeded")
    await fake.webhooks.flush()
    // Someone refunds 1000 in the dashboard: no Billkit metadata on it.
    const dashboard = await fake.client().refunds.create({ payment_intent: payment.provider_ref, amount: 1000 })
    const deliveries = await fake.webhooks.flush({ duplicate: true })
    expect(deliveries.filter((d) => d.event.type === "charge.refunded").map((d) => d.status)).toEqual([200, 200])
    const refunds = (await call("GET", `/v1/customers/${customer.id}/refunds`)).json.data as Array<any>
    expect(refunds.map((r) => [r.amount, r.status, r.provider_ref]).sort()).toEqual([
      [1000, "succeeded", dashboard.id],
      [500, "succeeded", own.json.provider_ref]
    ])
    expect((await call("GET", `/v1/payments/${payment.id}`)).json.amount_refunded).toBe(1500)
  })

  it("a card detached in Stripe is detached in Billkit, once", async () => {
    const customer = (await call("POST", "/v1/customers", { email: "detach@example.com" })).json
    const first = (await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_visa" })).json
    const second = (await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_mastercard" })).json
    await fake.webhooks.flush()
    await fake.client().paymentMethods.detach(first.provider_ref)
    const deliveries = await fake.webhooks.flush({ duplicate: true })
    expect(deliveries.filter((d) => d.event.type === "payment_method.detached").map((d) => d.status)).toEqual([200, 200])
    const active = (await call("GET", `/v1/customers/${customer.id}/payment-methods`)).json.data as Array<any>
    expect(active.map((m) => m.id)).toEqual([second.id])
  })

  it("a bad signature is a 400 problem and changes nothing", async () => {
    const { invoice, payment } = await threeDSecureInvoice()
    await authenticate(payment.provider_ref)
    const event = fake.webhooks.pending().find((e) => e.type === "payment_intent.succeeded")!
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": "t=1,v1=deadbeef" },
      body: JSON.stringify(event)
    })
    expect(response.status).toBe(400)
    expect(((await response.json()) as any).type).toBe("urn:billkit:error:bad_request")
    const unsigned = await fetch(webhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(event) })
    expect(unsigned.status).toBe(400)
    expect(await state(invoice.id, payment.id)).toEqual({ invoice: "open", payment: "requires_action" })
  })

  it("a signature older than 300 s is a 400 and changes nothing", async () => {
    const { invoice, payment } = await threeDSecureInvoice()
    await authenticate(payment.provider_ref)
    const deliveries = await fake.webhooks.flush({ signedSecondsAgo: 301 })
    expect(deliveries.map((d) => d.status)).toEqual(deliveries.map(() => 400))
    expect(deliveries.length).toBeGreaterThan(0)
    expect(await state(invoice.id, payment.id)).toEqual({ invoice: "open", payment: "requires_action" })
  })
})
