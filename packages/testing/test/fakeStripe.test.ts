/**
 * The fake Stripe, driven by the real `stripe` SDK: what Billkit relies on it for behaves as on
 * Stripe (test cards, idempotency keys, error shapes, signed webhooks).
 */
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { startFakeStripe, type FakeStripe } from "@billkit/testing/stripe"
import Stripe from "stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

let fake: FakeStripe
let stripe: Stripe

beforeAll(async () => {
  fake = await startFakeStripe()
  stripe = fake.client()
})
afterAll(() => fake.close())

const caught = async (promise: Promise<unknown>): Promise<any> => {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error("expected a Stripe error")
}

describe("fake Stripe through the real SDK", () => {
  it("stamps `created` from the wall clock it is given", async () => {
    const pinned = await startFakeStripe({ wallClock: () => Date.parse("2030-01-02T03:04:05.678Z") })
    try {
      const customer = await pinned.client().customers.create({ email: "pinned@example.com" })
      expect(customer.created).toBe(Date.parse("2030-01-02T03:04:05Z") / 1000)
    } finally {
      await pinned.close()
    }
  })

  it("creates, updates and deletes customers", async () => {
    const customer = await stripe.customers.create({ email: "a@example.com", metadata: { billkit_id: "cus_1" } })
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]{24}$/)
    expect(customer.metadata).toEqual({ billkit_id: "cus_1" })
    const updated = await stripe.customers.update(customer.id, { name: "Ada", metadata: { plan: "pro" } })
    expect(updated).toMatchObject({ name: "Ada", email: "a@example.com", metadata: { billkit_id: "cus_1", plan: "pro" } })
    const deleted = await stripe.customers.del(customer.id)
    expect(deleted).toEqual({ id: customer.id, object: "customer", deleted: true })
    // As on Stripe, a deleted customer still reads back, as deleted (`Stripe.DeletedCustomer`).
    expect(await stripe.customers.retrieve(customer.id)).toEqual({ id: customer.id, object: "customer", deleted: true })
    const missing = await caught(stripe.customers.retrieve("cus_neverMade000000000000000"))
    expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError)
    expect(missing.statusCode).toBe(404)
    expect(missing.code).toBe("resource_missing")
  })

  it("makes a checkout session and completes it as the customer would, emitting checkout.session.completed", async () => {
    const customer = await stripe.customers.create({})
    const session = await stripe.checkout.sessions.create({ mode: "setup", customer: customer.id, currency: "eur", success_url: "https://shop.example/done" })
    expect([session.status, session.customer]).toEqual(["open", customer.id])
    await fetch(`${fake.url}/_fake/checkout/sessions/${session.id}/complete`, { method: "POST" })
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("complete")
    const event = (await stripe.events.list()).data.find((e) => e.type === "checkout.session.completed")!
    expect((event.data.object as { id: string }).id).toBe(session.id)
  })

  it("charges pm_card_visa off session and refunds part of it", async () => {
    const customer = await stripe.customers.create({})
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
    expect(pm.id).toMatch(/^pm_/)
    expect(pm.card).toMatchObject({ brand: "visa", last4: "4242" })
    const intent = await stripe.paymentIntents.create({
      amount: 3630, currency: "eur", customer: customer.id, payment_method: pm.id, off_session: true, confirm: true
    })
    expect(intent.status).toBe("succeeded")
    expect(intent.amount_received).toBe(3630)
    const charge = await stripe.charges.retrieve(intent.latest_charge as string)
    expect(charge).toMatchObject({ amount: 3630, currency: "eur", paid: true, status: "succeeded" })
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 1000 })
    expect(refund).toMatchObject({ amount: 1000, status: "succeeded", charge: charge.id })
    const tooMuch = await caught(stripe.refunds.create({ payment_intent: intent.id, amount: 2631 }))
    expect(tooMuch.code).toBe("amount_too_large")
    expect((await stripe.charges.retrieve(charge.id)).amount_refunded).toBe(1000)
  })

  it("declines as Stripe's test cards do, with a 402 naming the PaymentIntent", async () => {
    const customer = await stripe.customers.create({})
    for (const [card, declineCode] of [["pm_card_chargeDeclined", "generic_decline"], ["pm_card_chargeDeclinedInsufficientFunds", "insufficient_funds"]]) {
      const pm = await stripe.paymentMethods.attach(card, { customer: customer.id })
      const error = await caught(stripe.paymentIntents.create({
        amount: 500, currency: "usd", customer: customer.id, payment_method: pm.id, off_session: true, confirm: true
      }))
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError)
      expect(error.statusCode).toBe(402)
      expect(error.code).toBe("card_declined")
      expect(error.decline_code).toBe(declineCode)
      expect(error.payment_intent.status).toBe("requires_payment_method")
      const intent = await stripe.paymentIntents.retrieve(error.payment_intent.id)
      expect(intent.last_payment_error?.decline_code).toBe(declineCode)
    }
  })

  it("asks for authentication: off session fails, on session redirects, the bank page completes it", async () => {
    const customer = await stripe.customers.create({})
    const pm = await stripe.paymentMethods.attach("pm_card_authenticationRequired", { customer: customer.id })
    const offSession = await caught(stripe.paymentIntents.create({
      amount: 700, currency: "usd", customer: customer.id, payment_method: pm.id, off_session: true, confirm: true
    }))
    expect(offSession.code).toBe("authentication_required")
    const intent = await stripe.paymentIntents.confirm(offSession.payment_intent.id, {
      payment_method: pm.id, return_url: "https://shop.example/back"
    })
    expect(intent.status).toBe("requires_action")
    const url = intent.next_action?.redirect_to_url?.url
    expect(url).toBe(`${fake.url}/_fake/authenticate/${intent.id}`)
    const page = await fetch(url!, { redirect: "manual" })
    expect(page.status).toBe(302)
    expect(page.headers.get("location")).toBe(`https://shop.example/back?payment_intent=${intent.id}`)
    expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe("succeeded")
  })

  it("honours idempotency keys: same request replays, another body is refused", async () => {
    const customer = await stripe.customers.create({})
    const pm = await stripe.paymentMethods.attach("pm_card_visa", { customer: customer.id })
    const body = { amount: 900, currency: "usd", customer: customer.id, payment_method: pm.id, off_session: true, confirm: true }
    const before = fake.store.countCalls("POST", "/v1/payment_intents")
    const first = await stripe.paymentIntents.create(body, { idempotencyKey: "inv_1:attempt-1" })
    const again = await stripe.paymentIntents.create(body, { idempotencyKey: "inv_1:attempt-1" })
    expect(again.id).toBe(first.id)
    expect(fake.store.countCalls("POST", "/v1/payment_intents")).toBe(before + 1)
    expect([...fake.store.charges.values()].filter((c) => c.payment_intent === first.id)).toHaveLength(1)
    const reused = await caught(stripe.paymentIntents.create({ ...body, amount: 901 }, { idempotencyKey: "inv_1:attempt-1" }))
    expect(reused).toBeInstanceOf(Stripe.errors.StripeIdempotencyError)
  })

  it("refuses other keys with 401", async () => {
    const other = new Stripe("sk_test_wrong", { ...fake.sdkOptions, maxNetworkRetries: 0 })
    const error = await caught(other.customers.create({}))
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError)
  })

  it("signs webhooks the SDK verifies, and replays them duplicated, reversed and late", async () => {
    const received: Array<{ type: string; id: string; ok: boolean }> = []
    const secret = "whsec_test_fake"
    const receiver = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (c: Buffer) => chunks.push(c))
      request.on("end", () => {
        try {
          const event = stripe.webhooks.constructEvent(Buffer.concat(chunks), request.headers["stripe-signature"] as string, secret, 300)
          received.push({ type: event.type, id: event.id, ok: true })
          response.writeHead(200).end()
        } catch {
          received.push({ type: "?", id: "?", ok: false })
          response.writeHead(400).end()
        }
      })
    })
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r))
    const port = (receiver.address() as AddressInfo).port
    const own = await startFakeStripe({ webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret }] })
    try {
      own.webhooks.hold()
      const client = own.client()
      const customer = await client.customers.create({})
      await client.paymentIntents.create({ amount: 100, currency: "usd", customer: customer.id, payment_method: "pm_card_visa", confirm: true })
      const types = own.webhooks.pending().map((e) => e.type)
      expect(types).toEqual(["customer.created", "payment_intent.created", "charge.succeeded", "payment_intent.succeeded"])
      await own.webhooks.flush({ duplicate: true, order: "reverse" })
      expect(received.map((r) => r.type)).toEqual([...types].reverse().flatMap((t) => [t, t]))
      expect(received.every((r) => r.ok)).toBe(true)
      const late = await own.webhooks.send([...own.store.events.values()][0], 301)
      expect(late[0].status).toBe(400)
    } finally {
      await own.close()
      receiver.close()
    }
  })
})
