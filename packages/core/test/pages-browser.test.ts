/**
 * The hosted pages in a real browser (Debian's Chromium through @billkit/testing/browser): checkout
 * end to end with the fake provider, the customer portal (plan change with its preview, cancel and
 * resume, a PDF download), refused links, axe on every page, and screenshots at 375 and 1280 px
 * for docs/pages.md.
 */
import { createServer, type Server } from "node:http"
import { fileURLToPath } from "node:url"
import { BigDecimal, Clock } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { billkit, fixedClock, makeMemoryStorage } from "@billkit/core"
import { keyedClient } from "@billkit/testing"
import { checkAccessibility, chromiumAvailable, launchBrowser, type LaunchedBrowser } from "@billkit/testing/browser"
import type { Page } from "playwright-core"

const images = fileURLToPath(new URL("../../../docs/images/", import.meta.url))

/** Serves a billkit handler on a local port (the browser needs a real origin). */
const serve = async (handler: (request: Request) => Promise<Response>) => {
  const server: Server = createServer(async (req, res) => {
    const chunks: Array<Buffer> = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = chunks.length === 0 ? undefined : Buffer.concat(chunks)
    const response = await handler(new Request(`http://127.0.0.1:${(server.address() as { port: number }).port}${req.url}`, {
      method: req.method,
      headers: req.headers as Record<string, string>,
      ...(body === undefined || req.method === "GET" ? {} : { body })
    }))
    res.writeHead(response.status, Object.fromEntries(response.headers))
    res.end(Buffer.from(await response.arrayBuffer()))
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) }
}

const shoot = async (page: Page, name: string) => {
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 800 })
    await page.screenshot({ path: `${images}${name}-${width}.png`, fullPage: true })
  }
  await page.setViewportSize({ width: 1280, height: 800 })
}

describe.skipIf(!chromiumAvailable())("hosted pages in a browser", () => {
  let browser: LaunchedBrowser
  let server: Awaited<ReturnType<typeof serve>>
  let call: (method: string, path: string, body?: unknown) => Promise<any>
  let plans: { team: any; business: any }

  beforeAll(async () => {
    const app = billkit({
      storage: makeMemoryStorage(),
      clock: fixedClock(Date.parse("2026-03-01T10:00:00Z"), Clock.make()),
      billing: { defaultTaxRate: BigDecimal.unsafeFromString("19"), seller: { name: "Acme Cloud", address: ["Hauptstraße 1", "10115 Berlin"], taxId: "DE123456789" } },
      pages: { brandName: "Acme Cloud" }
    })
    server = await serve(app.handler)
    // Requests go to the handler directly; the server's origin makes the links they answer openable.
    call = (await keyedClient(app, server.origin)).ok
    const product = await call("POST", "/v1/products", { name: "Cloud" })
    const team = await call("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })
    const business = await call("POST", `/v1/products/${product.id}/prices`, { amount: 9900, currency: "EUR", schedule: "month" })
    plans = {
      team: await call("POST", "/v1/plans", { name: "Team", code_name: "team", product: product.id, prices: [team.id], per_seat: true }),
      business: await call("POST", "/v1/plans", { name: "Business", code_name: "business", product: product.id, prices: [business.id], per_seat: true })
    }
    await call("POST", "/v1/vouchers", { code: "WELCOME10", type: "percentage", percentage: "10", duration: "once" })
    browser = await launchBrowser()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  it("checkout: pays with a test card, once however often Pay is clicked", async () => {
    const session = await call("POST", "/v1/checkout-sessions", {
      lines: [{ plan: plans.team.id, seats: 2 }],
      // The host's own page (here the same origin: this test has no other site to send the buyer to).
      success_url: `${server.origin}/thanks?session={CHECKOUT_SESSION_ID}`,
      cancel_url: "https://shop.example/pricing",
      locale: "de-DE"
    })
    expect(session.url.startsWith(server.origin)).toBe(true)
    const page = await browser.newPage({ width: 1280 })
    await page.goto(session.url)
    expect(await page.textContent("#t-total")).toBe("69,02\u00a0€")
    expect(await checkAccessibility(page)).toEqual([])
    await shoot(page, "checkout")

    await page.getByLabel("Email").fill("buyer@example.com")
    await page.getByLabel("Voucher code").fill("WELCOME10")
    await page.getByRole("button", { name: "Apply" }).click()
    await expect.poll(() => page.textContent("#t-total")).toBe("62,12\u00a0€")
    expect(await page.textContent("#voucher-status")).toContain("WELCOME10")

    await Promise.all([page.waitForURL(/\/thanks\?/), page.locator("#pay").dblclick()])
    expect(page.url()).toBe(`${server.origin}/thanks?session=${session.id}`)

    const outcome = await call("GET", `/v1/checkout-sessions/${session.id}`)
    expect(outcome).toMatchObject({ status: "complete", total: 6212, voucher: "WELCOME10" })
    expect(outcome.subscriptions).toHaveLength(1)
    const subscription = await call("GET", `/v1/subscriptions/${outcome.subscriptions[0]}`)
    expect(subscription).toMatchObject({ status: "active", seats: 2, plan: plans.team.id })
    const invoices = (await call("GET", `/v1/invoices?customer=${outcome.customer}`)).data
    expect(invoices).toHaveLength(1)
    expect(invoices[0]).toMatchObject({ status: "paid", total: 6212 })
    expect((await call("GET", `/v1/payments?customer=${outcome.customer}`)).data).toHaveLength(1)

    // Back on the page after paying: it says so, and a second submit buys nothing more.
    await page.goto(session.url)
    expect(await page.textContent("h1")).toBe("Thank you")
    expect(await checkAccessibility(page)).toEqual([])
    expect((await call("GET", `/v1/customers/${outcome.customer}/subscriptions`)).data).toHaveLength(1)
  })

  it("portal: previews and changes the plan, cancels and resumes, downloads a PDF", async () => {
    const customer = await call("POST", "/v1/customers", { email: "portal@example.com", name: "Portal Person", locale: "en-GB" })
    await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
    const sub = await call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plans.team.id })
    const portal = await call("POST", `/v1/customers/${customer.id}/portal-sessions`, { return_url: "https://shop.example/account" })
    expect(portal.url).toContain("/portal/")
    const page = await browser.newPage({ width: 1280 })
    await page.goto(portal.url)
    expect(await page.textContent("h1")).toBe("Your billing")
    expect(await checkAccessibility(page)).toEqual([])
    await shoot(page, "portal")

    await page.getByLabel("New plan").selectOption(plans.business.id)
    await page.getByRole("button", { name: "Preview plan change" }).click()
    await page.waitForSelector("#preview")
    expect(await page.textContent("#preview")).toContain("Switch to Business")
    expect(await page.textContent("#preview")).toContain("€99.00 per month") // 1 seat
    expect(await checkAccessibility(page)).toEqual([])
    await shoot(page, "portal-preview")
    expect((await call("GET", `/v1/subscriptions/${sub.id}`)).plan).toBe(plans.team.id) // a preview changes nothing
    await page.getByRole("button", { name: "Confirm change" }).click()
    await page.waitForSelector("text=Your plan was changed.")
    expect((await call("GET", `/v1/subscriptions/${sub.id}`)).plan).toBe(plans.business.id)

    page.once("dialog", (dialog: { accept: () => Promise<void> }) => dialog.accept())
    await page.getByRole("button", { name: "Cancel at period end" }).click()
    await page.waitForSelector("text=Your subscription will end at the end of the period.")
    expect((await call("GET", `/v1/subscriptions/${sub.id}`)).cancel_at_period_end).toBe(true)
    await page.getByRole("button", { name: "Resume subscription" }).click()
    await page.waitForSelector("text=Your subscription continues.")
    expect((await call("GET", `/v1/subscriptions/${sub.id}`)).cancel_at_period_end).toBe(false)

    const [download] = await Promise.all([page.waitForEvent("download"), page.locator("a", { hasText: "PDF" }).first().click()])
    const stream = await download.createReadStream()
    const chunks: Array<Buffer> = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    expect(Buffer.concat(chunks).subarray(0, 5).toString()).toBe("%PDF-")
  })

  it("refuses an expired link, another customer's invoice, and a form without the CSRF token", async () => {
    const a = await call("POST", "/v1/customers", { email: "a@example.com" })
    const b = await call("POST", "/v1/customers", { email: "b@example.com" })
    await call("POST", `/v1/customers/${b.id}/payment-methods`, { token: "tok_visa" })
    await call("POST", `/v1/customers/${b.id}/subscriptions`, { plan: plans.team.id })
    const bInvoice = (await call("GET", `/v1/invoices?customer=${b.id}`)).data[0]
    const portalA = await call("POST", `/v1/customers/${a.id}/portal-sessions`, {})
    const page = await browser.newPage({ width: 375 })

    const other = await page.goto(`${portalA.url}/invoices/${bInvoice.id}/pdf`)
    expect(other?.status()).toBe(404)
    const forged = await page.request.post(portalA.url, { form: { action: "card_add", card_token: "tok_visa", csrf: "0".repeat(64) } })
    expect(forged.status()).toBe(403)
    expect((await call("GET", `/v1/customers/${a.id}/payment-methods`)).data).toHaveLength(0)

    await call("POST", "/v1/test-helpers/clock/advance", { seconds: 3601 })
    const expired = await page.goto(portalA.url)
    expect(expired?.status()).toBe(404)
    expect(await page.textContent("h1")).toBe("Link expired")
    expect(await checkAccessibility(page)).toEqual([])
  })
})
