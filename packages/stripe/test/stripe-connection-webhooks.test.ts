/**
 * Inbound Stripe webhooks per connection (`/v1/providers/stripe/webhook/conn_…`), from the fake
 * Stripe signing with the real SDK, on SQLite and Postgres: every handled event type, each
 * duplicated, out of order and late; stale and wrong signatures are 400s that change nothing; an
 * unknown connection, or one without a webhook secret, is a 404. The connection is the same fake
 * account the instance's provider charges through, so its payments are Billkit's own.
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { billkit } from "@billkit/core"
import { makeStripeAccounts, makeStripePaymentProvider } from "@billkit/stripe"
import { startFakeStripe, type LoggedCall } from "@billkit/testing/stripe"
import { keyedClient, type KeyedClient, type StorageUnderTest } from "@billkit/testing"
import Stripe from "stripe"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { postgresUnderTest, sqliteUnderTest } from "./support.js"

const webhookSecret = "whsec_connection_billkit"
// A test may hold Stripe's answer back (after Stripe acted) to leave Billkit's payment pending.
let beforeReply: (call: LoggedCall) => Promise<void> = async () => {}
const fake = await startFakeStripe({ beforeReply: (call) => beforeReply(call) })
afterAll(() => fake.close())
const stripe = fake.client()

let app: ReturnType<typeof billkit>
let call: KeyedClient["call"]
let webhookPath: string
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
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const startApp = async (storage: StorageUnderTest["storage"], providerTimeoutMs?: number) => {
  app = billkit({
    storage,
    ...(providerTimeoutMs === undefined ? {} : { billing: { providerTimeoutMs } }),
    encryptionKey: "5e".repeat(32),
    // No `webhookSecret`: the instance's own endpoint (`default`) is off; the connection's is on.
    paymentProvider: makeStripePaymentProvider({ secretKey: fake.secretKey, apiBase: fake.url, maxNetworkRetries: 0, returnUrl: "https://shop.example/return" }),
    providerAccounts: { stripe: makeStripeAccounts({ apiBase: fake.url, maxNetworkRetries: 0 }) }
  })
  call = (await keyedClient(app)).call
  const connection = await call("POST", "/v1/connections", { provider: "stripe", secret_key: fake.secretKey, webhook_secret: webhookSecret })
  expect(connection.status).toBe(201)
  webhookPath = `/v1/providers/stripe/webhook/${connection.json.id}`
  fake.webhooks.endpoints.length = 0
  fake.webhooks.register({ url: `${base}${webhookPath}`, secret: webhookSecret })
  fake.webhooks.hold()
}

/** Posts one event signed with `secret`, `secondsAgo`, straight to Billkit; the status and answer. */
const post = async (event: Stripe.Event, options: { readonly secret?: string; readonly secondsAgo?: number; readonly path?: string } = {}) => {
  const payload = JSON.stringify(event)
  const header = stripe.webhooks.generateTestHeaderString({
    payload,
    secret: options.secret ?? webhookSecret,
    timestamp: Math.floor(Date.now() / 1000) - (options.secondsAgo ?? 0)
  })
  const response = await fetch(`${base}${options.path ?? webhookPath}`, {
    method: "POST",
    headers: { "content-type": "application/json", "stripe-signature": header },
    body: payload
  })
  return { status: response.status, json: (await response.json()) as any }
}

const events = async (type: string) =>
  ((await call("GET", `/v1/events?limit=100&type=${type}`)).json.data as Array<any>).filter((e) => e.type === type)

/** A customer with a card, and the Stripe customer Billkit made for it. */
const customerWithCard = async (email: string, token = "pm_card_visa") => {
  const customer = (await call("POST", "/v1/customers", { email })).json
  await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token })
  const stripeCustomer = [...fake.store.customers.values()].find((c) => c.metadata.billkit_customer === customer.id)!
  return { customer, stripeCustomer }
}

/** A finalized invoice of `amount` charged to the customer's card: its invoice and payment. */
const chargedInvoice = async (customerId: string, amount: number) => {
  const draft = await call("POST", "/v1/invoices", { customer: customerId, currency: "EUR", lines: [{ description: "Consulting", unit_amount: amount, tax_rate: "0" }] })
  const invoice = (await call("POST", `/v1/invoices/${draft.json.id}/finalize`)).json
  const [payment] = (await call("GET", `/v1/payments?customer=${customerId}`)).json.data
  return { invoice, payment }
}

const state = async (invoiceId: string, paymentId: string) => {
  const payment = (await call("GET", `/v1/payments/${paymentId}`)).json
  return { invoice: (await call("GET", `/v1/invoices/${invoiceId}`)).json.status, payment: payment.status, dispute: payment.dispute }
}

const backends: ReadonlyArray<readonly [string, () => Promise<StorageUnderTest>]> = [
  ["sqlite", sqliteUnderTest], ["postgres", postgresUnderTest]
]

for (const [backend, makeStorage] of backends) describe(`Stripe webhooks per connection (${backend})`, () => {
  let under: StorageUnderTest
  beforeAll(async () => {
    under = await makeStorage()
  })
  afterAll(() => under.close())
  beforeEach(async () => {
    await under.reset()
    await startApp(under.storage)
    return async () => {
      beforeReply = async () => {}
      await fake.webhooks.release().catch(() => [])
      await app.dispose()
    }
  })

  it("3-D Secure: requires_action keeps the payment waiting with its page; succeeded (duplicated) pays the invoice once", async () => {
    const { customer } = await customerWithCard("3ds@example.com", "pm_card_authenticationRequired")
    const { invoice, payment } = await chargedInvoice(customer.id, 2500)
    expect([invoice.status, payment.status]).toEqual(["open", "requires_action"])
    const waiting = await fake.webhooks.flush({ duplicate: true })
    expect(waiting.filter((d) => d.event.type === "payment_intent.requires_action").map((d) => d.status)).toEqual([200, 200])
    const stillWaiting = (await call("GET", `/v1/payments/${payment.id}`)).json
    expect([stillWaiting.status, stillWaiting.next_action_url]).toEqual(["requires_action", payment.next_action_url])
    expect(payment.next_action_url).toMatch(/\/_fake\/authenticate\//)

    await (await fetch(`${fake.url}/_fake/authenticate/${payment.provider_ref}`, { redirect: "manual" })).arrayBuffer()
    const deliveries = await fake.webhooks.flush({ duplicate: true })
    expect(deliveries.filter((d) => d.event.type === "payment_intent.succeeded").map((d) => d.status)).toEqual([200, 200])
    expect(await state(invoice.id, payment.id)).toMatchObject({ invoice: "paid", payment: "succeeded" })
    expect(await events("payment.succeeded")).toHaveLength(1)
    expect(await events("invoice.paid")).toHaveLength(1)
  })

  it("requires_action moves a payment Billkit never heard back about from pending to requires_action", async () => {
    // This app gives Stripe 1.5 s to answer.
    await app.dispose()
    await under.reset()
    await startApp(under.storage, 1500)
    const { customer } = await customerWithCard("timeout@example.com", "pm_card_authenticationRequired")
    await fake.webhooks.flush()
    // Stripe confirms the PaymentIntent (3-D Secure needed) but its answer comes too late.
    beforeReply = async (call) => {
      if (call.method === "POST" && call.path.endsWith("/confirm")) await new Promise((resolve) => setTimeout(resolve, 4000))
    }
    const { invoice, payment } = await chargedInvoice(customer.id, 2200)
    expect([invoice.status, payment.status, payment.next_action_url]).toEqual(["open", "pending", null])
    await new Promise((resolve) => setTimeout(resolve, 3000))
    const deliveries = await fake.webhooks.flush({ duplicate: true })
    expect(deliveries.filter((d) => d.event.type === "payment_intent.requires_action").map((d) => d.status)).toEqual([200, 200])
    const waiting = (await call("GET", `/v1/payments/${payment.id}`)).json
    expect([waiting.status, waiting.provider_ref]).toEqual(["requires_action", expect.stringMatching(/^pi_/)])
    expect(waiting.next_action_url).toMatch(/\/_fake\/authenticate\//)
    expect((await call("GET", `/v1/invoices/${invoice.id}`)).json.status).toBe("open")
  })

  it("out of order: a late payment_failed after succeeded changes nothing", async () => {
    const { customer } = await customerWithCard("late@example.com", "pm_card_authenticationRequired")
    const { invoice, payment } = await chargedInvoice(customer.id, 1800)
    await fake.webhooks.flush()
    await (await fetch(`${fake.url}/_fake/authenticate/${payment.provider_ref}`, { redirect: "manual" })).arrayBuffer()
    const succeeded = fake.webhooks.pending().find((e) => e.type === "payment_intent.succeeded")!
    // The failure notice arrives after the success, signed late but within tolerance.
    const late = { ...succeeded, id: "evt_late_failure_conn", type: "payment_intent.payment_failed" } as Stripe.Event
    await fake.webhooks.flush({ order: "reverse" })
    const failedBefore = (await events("payment.failed")).length
    expect((await post(late, { secondsAgo: 200 })).json).toEqual({ received: true, processed: true })
    expect(await state(invoice.id, payment.id)).toMatchObject({ invoice: "paid", payment: "succeeded" })
    expect(await events("payment.failed")).toHaveLength(failedBefore)
    expect(await events("payment.succeeded")).toHaveLength(1)
  })

  it("payment_intent.canceled fails the waiting payment (failure_code canceled); the invoice stays open", async () => {
    const { customer } = await customerWithCard("cancel@example.com", "pm_card_authenticationRequired")
    const { invoice, payment } = await chargedInvoice(customer.id, 1200)
    await fake.webhooks.flush()
    await stripe.paymentIntents.cancel(payment.provider_ref)
    const deliveries = await fake.webhooks.flush({ duplicate: true })
    expect(deliveries.filter((d) => d.event.type === "payment_intent.canceled").map((d) => d.status)).toEqual([200, 200])
    expect(await state(invoice.id, payment.id)).toMatchObject({ invoice: "open", payment: "failed" })
    expect((await call("GET", `/v1/payments/${payment.id}`)).json.failure_code).toBe("canceled")
  })

  it("a dispute makes the payment disputed (payment.disputed, once); won makes it succeeded again; the invoice stays paid", async () => {
    const { customer } = await customerWithCard("dispute@example.com")
    const { invoice, payment } = await chargedInvoice(customer.id, 4000)
    expect(payment.status).toBe("succeeded")
    await fake.webhooks.flush()
    const charge = (await stripe.paymentIntents.retrieve(payment.provider_ref)).latest_charge as string
    const dispute = await (await fetch(`${fake.url}/_fake/charges/${charge}/dispute`, { method: "POST", body: "reason=fraudulent", headers: { "content-type": "application/x-www-form-urlencoded" } })).json() as Stripe.Dispute
    const opened = await fake.webhooks.flush({ duplicate: true })
    expect(opened.filter((d) => d.event.type === "charge.dispute.created").map((d) => d.status)).toEqual([200, 200])
    expect(await state(invoice.id, payment.id)).toEqual({
      invoice: "paid",
      payment: "disputed",
      dispute: { id: dispute.id, amount: 4000, reason: "fraudulent", status: "needs_response" }
    })
    expect(await events("payment.disputed")).toHaveLength(1)

    await fetch(`${fake.url}/_fake/disputes/${dispute.id}/close`, { method: "POST", body: "status=won", headers: { "content-type": "application/x-www-form-urlencoded" } })
    await fake.webhooks.flush({ duplicate: true })
    expect(await state(invoice.id, payment.id)).toMatchObject({ invoice: "paid", payment: "succeeded", dispute: { status: "won" } })
    expect(await events("payment.dispute_closed")).toHaveLength(1)
    expect(await events("payment.disputed")).toHaveLength(1)
  })

  it("a lost dispute, delivered out of order (closed before created), ends disputed/lost with each event once", async () => {
    const { customer } = await customerWithCard("lost@example.com")
    const { invoice, payment } = await chargedInvoice(customer.id, 3000)
    await fake.webhooks.flush()
    const charge = (await stripe.paymentIntents.retrieve(payment.provider_ref)).latest_charge as string
    const dispute = await (await fetch(`${fake.url}/_fake/charges/${charge}/dispute`, { method: "POST" })).json() as Stripe.Dispute
    await fetch(`${fake.url}/_fake/disputes/${dispute.id}/close`, { method: "POST", body: "status=lost", headers: { "content-type": "application/x-www-form-urlencoded" } })
    const deliveries = await fake.webhooks.flush({ order: "reverse", duplicate: true })
    expect(deliveries.map((d) => d.status)).toEqual(deliveries.map(() => 200))
    expect(await state(invoice.id, payment.id)).toMatchObject({ invoice: "paid", payment: "disputed", dispute: { id: dispute.id, status: "lost", amount: 3000 } })
    expect(await events("payment.disputed")).toHaveLength(1)
    expect(await events("payment.dispute_closed")).toHaveLength(1)
    // A disputed payment cannot be refunded on top of what the bank took back.
    expect((await call("POST", `/v1/payments/${payment.id}/refunds`, { amount: 100 })).status).toBe(409)
  })

  it("setup_intent.succeeded stores the card saved with Stripe.js for the Billkit customer, once", async () => {
    const { customer, stripeCustomer } = await customerWithCard("setup@example.com")
    await fake.webhooks.flush()
    await stripe.setupIntents.create({ customer: stripeCustomer.id, payment_method: "pm_card_mastercard", confirm: true })
    const deliveries = await fake.webhooks.flush({ duplicate: true })
    expect(deliveries.filter((d) => d.event.type === "setup_intent.succeeded").map((d) => d.status)).toEqual([200, 200])
    const methods = (await call("GET", `/v1/customers/${customer.id}/payment-methods`)).json.data as Array<any>
    expect(methods.map((m) => [m.brand, m.is_default])).toEqual([["visa", true], ["mastercard", false]])
  })

  it("customer.deleted unlinks the Stripe customer and detaches its cards; the Billkit customer is kept and its next card makes a new Stripe customer", async () => {
    const { customer, stripeCustomer } = await customerWithCard("gone@example.com")
    await fake.webhooks.flush()
    await stripe.customers.del(stripeCustomer.id)
    const deliveries = await fake.webhooks.flush({ duplicate: true })
    expect(deliveries.filter((d) => d.event.type === "customer.deleted").map((d) => d.status)).toEqual([200, 200])
    expect((await call("GET", `/v1/customers/${customer.id}`)).json.id).toBe(customer.id)
    expect((await call("GET", `/v1/customers/${customer.id}/payment-methods`)).json.data).toEqual([])
    const again = await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_visa" })
    expect(again.status).toBe(201)
    const made = [...fake.store.customers.values()].filter((c) => c.metadata.billkit_customer === customer.id)
    expect(made.map((c) => c.id)).not.toContain(stripeCustomer.id)
    expect(made).toHaveLength(1)
  })

  it("checkout.session.completed is recorded once per event", async () => {
    const { stripeCustomer } = await customerWithCard("checkout@example.com")
    await fake.webhooks.flush()
    const session = await stripe.checkout.sessions.create({ mode: "setup", customer: stripeCustomer.id, success_url: "https://shop.example/done", currency: "eur" })
    await (await fetch(`${fake.url}/_fake/checkout/sessions/${session.id}/complete`, { method: "POST" })).arrayBuffer()
    const [completed] = fake.webhooks.pending().filter((e) => e.type === "checkout.session.completed")
    expect(completed).toBeDefined()
    expect((await post(completed!)).json).toEqual({ received: true, processed: true })
    expect((await post(completed!)).json).toEqual({ received: true, processed: false })
  })

  it("a stale or wrongly signed delivery is a 400 and changes nothing", async () => {
    const { customer } = await customerWithCard("stale@example.com", "pm_card_authenticationRequired")
    const { invoice, payment } = await chargedInvoice(customer.id, 900)
    await fake.webhooks.flush()
    await (await fetch(`${fake.url}/_fake/authenticate/${payment.provider_ref}`, { redirect: "manual" })).arrayBuffer()
    const succeeded = fake.webhooks.pending().find((e) => e.type === "payment_intent.succeeded")!
    const stale = await post(succeeded, { secondsAgo: 301 })
    expect([stale.status, stale.json.type]).toEqual([400, "urn:billkit:error:bad_request"])
    // The default endpoint's secret, or any other, does not sign for this connection.
    expect((await post(succeeded, { secret: "whsec_another_secret" })).status).toBe(400)
    expect(await state(invoice.id, payment.id)).toMatchObject({ invoice: "open", payment: "requires_action" })
    // Delivered properly afterwards, it settles.
    expect((await post(succeeded)).json).toEqual({ received: true, processed: true })
    expect(await state(invoice.id, payment.id)).toMatchObject({ invoice: "paid", payment: "succeeded" })
  })

  it("an unknown connection, a connection without a webhook secret, and default without one are 404s", async () => {
    const event = { id: "evt_x", object: "event", type: "payment_intent.succeeded", livemode: false, data: { object: { id: "pi_x" } } } as unknown as Stripe.Event
    expect((await post(event, { path: "/v1/providers/stripe/webhook/conn_01J0000000000000000000000" })).status).toBe(404)
    expect((await post(event, { path: "/v1/providers/stripe/webhook/default" })).status).toBe(404)
    const id = webhookPath.split("/").pop()!
    expect((await call("POST", `/v1/connections/${id}`, { webhook_secret: null })).status).toBe(200)
    expect((await post(event)).status).toBe(404)
    expect((await call("DELETE", `/v1/connections/${id}`)).status).toBe(200)
    expect((await post(event)).status).toBe(404)
  })
})
