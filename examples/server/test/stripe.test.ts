/**
 * The example server with STRIPE_SECRET_KEY and STRIPE_API_BASE, against `billkit-fake-stripe`
 * started as its own process (the built bin): a card stored and an invoice charged go through
 * Stripe's API; a connection to that account receives its webhooks at
 * `/v1/providers/stripe/webhook/conn_…`. Needs the built packages (`npm test` builds first).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadConfig } from "../src/config.js"
import { type RunningServer, startServer } from "../src/server.js"

const bin = fileURLToPath(new URL("../../../packages/testing/dist/fake-stripe-bin.js", import.meta.url))
const secretKey = "sk_test_examplefake0123"

let fakeProcess: ChildProcess
let fakeUrl: string
let server: RunningServer
let dir: string

beforeAll(async () => {
  fakeProcess = spawn(process.execPath, [bin, "--port", "0", "--secret-key", secretKey], { stdio: ["ignore", "pipe", "inherit"] })
  fakeUrl = await new Promise<string>((resolve, reject) => {
    let out = ""
    fakeProcess.stdout!.setEncoding("utf8").on("data", (d: string) => {
      out += d
      const line = out.split("\n").find((l) => l.startsWith("{"))
      if (line !== undefined) resolve(JSON.parse(line).url)
    })
    fakeProcess.once("exit", (code) => reject(new Error(`billkit-fake-stripe exited ${code}`)))
  })
  dir = mkdtempSync(join(tmpdir(), "billkit-example-stripe-"))
  const config = loadConfig({
    PORT: "0",
    DATABASE_URL: `file:${join(dir, "billing.db")}`,
    BILLING_INTERVAL_SECONDS: "0",
    STRIPE_SECRET_KEY: secretKey,
    STRIPE_API_BASE: fakeUrl,
    BILLKIT_ENCRYPTION_KEY: "7a".repeat(32)
  })
  server = await startServer(config)
})

afterAll(async () => {
  await server?.close()
  fakeProcess?.kill("SIGTERM")
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe("example server with Stripe", () => {
  it("stores the card at Stripe and charges the invoice there", async () => {
    const headers = { authorization: `Bearer ${server.createdApiKey}`, "content-type": "application/json" }
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${server.url}${path}`, { method: "POST", headers, body: JSON.stringify(body) })
      return { status: response.status, json: (await response.json()) as any }
    }
    const customer = (await post("/v1/customers", { email: "example@shop.test" })).json
    const card = await post(`/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_visa" })
    expect(card.status).toBe(201)
    expect(card.json.provider_ref).toMatch(/^pm_/)
    const invoice = (await post("/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "Setup", unit_amount: 5000, tax_rate: "0" }] })).json
    const paid = await post(`/v1/invoices/${invoice.id}/finalize`, {})
    expect(paid.json).toMatchObject({ status: "paid", amount_paid: 5000 })

    const payments = await fetch(`${server.url}/v1/payments?customer=${customer.id}`, { headers }).then((r) => r.json() as Promise<any>)
    const stripe = new Stripe(secretKey, { host: "127.0.0.1", port: Number(new URL(fakeUrl).port), protocol: "http", maxNetworkRetries: 0 })
    const intent = await stripe.paymentIntents.retrieve(payments.data[0].provider_ref)
    expect([intent.status, intent.amount, intent.currency]).toEqual(["succeeded", 5000, "eur"])
    const stripeCustomer = await stripe.customers.retrieve(intent.customer as string)
    expect((stripeCustomer as Stripe.Customer).metadata.billkit_customer).toBe(customer.id)
  })
})

describe("example server with a Stripe connection", () => {
  it("connects the account and takes its webhooks at /v1/providers/stripe/webhook/{connection}", async () => {
    const headers = { authorization: `Bearer ${server.createdApiKey}`, "content-type": "application/json" }
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${server.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
      return { status: response.status, json: (await response.json()) as any }
    }
    const webhookSecret = "whsec_example_connection"
    const connection = await call("POST", "/v1/connections", { provider: "stripe", secret_key: secretKey, webhook_secret: webhookSecret })
    expect(connection.status).toBe(201)
    expect(connection.json.id).toMatch(/^conn_/)

    const customer = (await call("POST", "/v1/customers", { email: "disputed@shop.test" })).json
    await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "pm_card_visa" })
    const invoice = (await call("POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "Setup", unit_amount: 2000, tax_rate: "0" }] })).json
    expect((await call("POST", `/v1/invoices/${invoice.id}/finalize`, {})).json.status).toBe("paid")
    const [payment] = (await call("GET", `/v1/payments?customer=${customer.id}`)).json.data

    // The cardholder disputes the charge; Stripe's event, signed as Stripe signs it, reaches the connection's endpoint.
    const stripe = new Stripe(secretKey, { host: "127.0.0.1", port: Number(new URL(fakeUrl).port), protocol: "http", maxNetworkRetries: 0 })
    const charge = (await stripe.paymentIntents.retrieve(payment.provider_ref)).latest_charge as string
    await (await fetch(`${fakeUrl}/_fake/charges/${charge}/dispute`, { method: "POST" })).arrayBuffer()
    const event = (await stripe.events.list()).data.find((e) => e.type === "charge.dispute.created")!
    const payload = JSON.stringify(event)
    const deliver = (signature: string) =>
      fetch(`${server.url}/v1/providers/stripe/webhook/${connection.json.id}`, {
        method: "POST",
        headers: { "content-type": "application/json", "stripe-signature": signature },
        body: payload
      }).then(async (r) => ({ status: r.status, json: (await r.json()) as any }))
    expect((await deliver("t=1,v1=forged")).status).toBe(400)
    const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret })
    expect((await deliver(signature)).json).toEqual({ received: true, processed: true })
    expect((await deliver(signature)).json).toEqual({ received: true, processed: false })
    expect((await call("GET", `/v1/payments/${payment.id}`)).json).toMatchObject({ status: "disputed", dispute: { amount: 2000 } })
    expect((await call("GET", `/v1/invoices/${invoice.id}`)).json.status).toBe("paid")
  })
})
