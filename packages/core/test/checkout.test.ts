/**
 * Hosted checkout over HTTP (no browser): the session REST endpoints, the page, paying with the
 * fake provider's test cards, a second submit, a declined card, expiry after 24 h, the event.
 */
import { BigDecimal, Clock } from "effect"
import { describe, expect, it } from "vitest"
import { fixedClock } from "@billkit/core"
import { makeApp } from "./support.js"

const start = Date.parse("2026-03-01T10:00:00Z")

export const checkoutFixture = async () => {
  const clock = fixedClock(start, Clock.make())
  const app = await makeApp({ clock, billing: { defaultTaxRate: BigDecimal.unsafeFromString("19"), seller: { name: "Acme Cloud" } } })
  const product = (await app.call("POST", "/v1/products", { name: "Team" })).json
  const price = (await app.call("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })).json
  const plan = (await app.call("POST", "/v1/plans", { name: "Team", code_name: "team", product: product.id, prices: [price.id] })).json
  await app.call("POST", "/v1/vouchers", { code: "WELCOME10", type: "percentage", percentage: "10", duration: "once" })
  const created = await app.call("POST", "/v1/checkout-sessions", {
    lines: [{ plan: plan.id, seats: 1 }],
    success_url: "https://shop.example/thanks?session={CHECKOUT_SESSION_ID}",
    cancel_url: "https://shop.example/pricing",
    locale: "de-DE"
  })
  return { ...app, plan, price, created }
}

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString()
})

describe("hosted checkout", () => {
  it("creates a session with a page URL, pays it once, and shows the outcome", async () => {
    const { app, call, created } = await checkoutFixture()
    expect(created.status).toBe(201)
    const session = created.json
    expect(session).toMatchObject({
      object: "checkout_session", status: "open", currency: "EUR", locale: "de-DE",
      sub_total: 2900, tax_total: 551, total: 3451, customer: null, subscriptions: [], invoices: []
    })
    expect(session.url).toMatch(/^http:\/\/billkit\.test\/checkout\/proj_[0-9A-Z]+\.test\.[0-9a-f]{64}$/)

    const page = await app.handler(new Request(session.url))
    expect(page.status).toBe(200)
    const text = (await page.text()).replaceAll("\u00a0", " ") // Intl puts a no-break space before €
    expect(text).toContain("34,51 €")
    expect(text).toContain('<label for="email">Email</label>')

    const quoteOf = async (code: string) =>
      JSON.parse((await (await app.handler(new Request(`${session.url}/quote?voucher=${code}`))).text()).replaceAll("\u00a0", " "))
    const quote = await quoteOf("welcome10")
    expect(quote).toMatchObject({ subTotal: "29,00 €", discount: "-2,90 €", tax: "4,96 €", total: "31,06 €", voucher: "welcome10", voucherProblem: null })
    const bad = await quoteOf("NOPE")
    expect(bad).toMatchObject({ total: "34,51 €", voucherProblem: "This code is not valid" })

    const paid = await app.handler(new Request(session.url, form({ intent: "pay", email: "new@buyer.example", voucher: "WELCOME10", card_token: "tok_visa" })))
    expect(paid.status).toBe(303)
    expect(paid.headers.get("location")).toBe(`https://shop.example/thanks?session=${session.id}`)

    const again = await app.handler(new Request(session.url, form({ intent: "pay", email: "new@buyer.example", card_token: "tok_visa" })))
    expect(again.status).toBe(303)

    const outcome = (await call("GET", `/v1/checkout-sessions/${session.id}`)).json
    expect(outcome).toMatchObject({ status: "complete", url: null, voucher: "WELCOME10", total: 3106, email: "new@buyer.example" })
    expect(outcome.subscriptions).toHaveLength(1)
    expect(outcome.invoices).toHaveLength(1)
    const customers = (await call("GET", "/v1/customers?email=new@buyer.example")).json.data
    expect(customers).toHaveLength(1)
    expect((await call("GET", `/v1/customers/${customers[0].id}/subscriptions`)).json.data).toHaveLength(1)
    const invoice = (await call("GET", `/v1/invoices/${outcome.invoices[0]}`)).json
    expect(invoice).toMatchObject({ status: "paid", total: 3106, amount_paid: 3106 })
    const events = (await call("GET", "/v1/events?type=checkout.session.completed")).json.data
    expect(events).toHaveLength(1)
    expect(events[0].data.id ?? events[0].data.object?.id).toBe(session.id)
  })

  it("keeps the session open after a declined card, with nothing bought", async () => {
    const { app, call, created } = await checkoutFixture()
    const declined = await app.handler(new Request(created.json.url, form({ intent: "pay", email: "d@buyer.example", card_token: "tok_chargeDeclined" })))
    expect(declined.status).toBe(422)
    expect(await declined.text()).toContain("declined")
    expect((await call("GET", `/v1/checkout-sessions/${created.json.id}`)).json.status).toBe("open")
    const customer = (await call("GET", "/v1/customers?email=d@buyer.example")).json.data[0]
    const subs = (await call("GET", `/v1/customers/${customer.id}/subscriptions`)).json.data
    expect(subs.every((s: { status: string }) => s.status === "canceled" || s.status === "incomplete_expired")).toBe(true)
    const ok = await app.handler(new Request(created.json.url, form({ intent: "pay", email: "d@buyer.example", card_token: "tok_visa" })))
    expect(ok.status).toBe(303)
  })

  it("expires 24 hours after it was created (by the clock)", async () => {
    const { app, call, created } = await checkoutFixture()
    await call("POST", "/v1/test-helpers/clock/advance", { seconds: 24 * 3600 - 1 })
    expect((await app.handler(new Request(created.json.url))).status).toBe(200)
    await call("POST", "/v1/test-helpers/clock/advance", { seconds: 1 })
    expect((await app.handler(new Request(created.json.url))).status).toBe(410)
    const paid = await app.handler(new Request(created.json.url, form({ intent: "pay", email: "late@buyer.example", card_token: "tok_visa" })))
    expect(paid.status).toBe(410)
    expect((await call("GET", `/v1/checkout-sessions/${created.json.id}`)).json.status).toBe("expired")
    expect((await call("GET", "/v1/customers?email=late@buyer.example")).json.data).toEqual([])
  })

  it("refuses bad input with a problem naming the field, and unknown tokens with a 404 page", async () => {
    const { app, call, plan } = await checkoutFixture()
    const bad = await call("POST", "/v1/checkout-sessions", { lines: [{ plan: plan.id }], success_url: "nope", cancel_url: "https://x.example" })
    expect(bad.status).toBe(422)
    expect(JSON.stringify(bad.json)).toContain("success_url")
    const unknownPlan = await call("POST", "/v1/checkout-sessions", { lines: [{ plan: "plan_missing" }], success_url: "https://x.example", cancel_url: "https://x.example" })
    expect(unknownPlan.status).toBe(422)
    expect(JSON.stringify(unknownPlan.json)).toContain("lines.0.plan")
    const missing = await app.handler(new Request(`http://billkit.test/checkout/proj_X.test.${"0".repeat(64)}`))
    expect(missing.status).toBe(404)
    expect((await app.handler(new Request("http://billkit.test/checkout/garbage"))).status).toBe(404)
  })
})
