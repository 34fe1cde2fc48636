/**
 * The admin dashboard in a real browser (Debian's Chromium through @billkit/testing/browser):
 * sign-in by keyboard, a wrong key refused, every page rendered with the seeded records and
 * checked by axe-core (no serious or critical violations), at 1280 px and at 375 px without
 * sideways scrolling of the page, the MRR chart drawn by uPlot, the test clock renewing, and a
 * form without its CSRF token refused. `UPDATE_SCREENSHOTS=1` also writes docs/images/dashboard-*.png.
 */
import { mkdirSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { checkAccessibility, chromiumAvailable, launchBrowser, type LaunchedBrowser } from "@billkit/testing/browser"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type RunningServer } from "../src/index.js"
import { seedDashboard, type Seeded } from "./support/dashboardSeed.js"
import { apiClient, tempDir } from "./support/spawnServer.js"
import { startReceiver, stopReceivers } from "./support/webhookReceiver.js"

const apiKey = "sk_test_dashboardBrowserKey0000001"
const imagesDir = fileURLToPath(new URL("../../../docs/images/", import.meta.url))
const screenshots = process.env.UPDATE_SCREENSHOTS === "1"
// Twelve pages, each checked by axe-core: on a busy two-core machine that takes a while.
const pageSweepMs = 180_000
const oneFlowMs = 60_000

describe.skipIf(!chromiumAvailable())("dashboard in a browser", () => {
  let server: RunningServer
  let seeded: Seeded
  let launched: LaunchedBrowser
  let api: ReturnType<typeof apiClient>

  beforeAll(async () => {
    server = await startServer({
      host: "127.0.0.1",
      port: 0,
      database: { kind: "sqlite", filename: join(tempDir(), "billkit.db") },
      billingIntervalSeconds: 0,
    webhookIntervalSeconds: 1,
    webhooksAllowPrivateNetworks: true,
      apiKey
    })
    api = apiClient(server.url, apiKey)
    seeded = await seedDashboard(api, { webhookUrl: await startReceiver() })
    launched = await launchBrowser()
    if (screenshots) mkdirSync(imagesDir, { recursive: true })
  }, 60_000)

  afterAll(async () => {
    await launched?.close()
    await server?.close()
    await stopReceivers()
  })

  /**
   * A fresh context like the harness's `newPage`, but letting axe-core's inline script past the
   * dashboard's Content-Security-Policy (which rightly refuses inline scripts).
   */
  const newPage = async (width: number) => {
    const context = await launched.browser.newContext({ viewport: { width, height: 800 }, bypassCSP: true })
    return context.newPage()
  }

  /** Types the key and presses Enter, as a person at a keyboard would. */
  const signIn = async (page: Page, key = apiKey) => {
    await page.goto(`${server.url}/dashboard`)
    expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in")
    await page.getByLabel("Secret API key").fill(key)
    await page.getByLabel("Secret API key").press("Enter")
    await page.waitForLoadState("load")
  }

  const expectAccessible = async (page: Page, name: string) => {
    const violations = await checkAccessibility(page)
    expect(violations, `${name}: ${JSON.stringify(violations, null, 1)}`).toEqual([])
  }

  /** At a phone's width the page itself must not scroll sideways (wide tables scroll in their region). */
  const expectFits = async (page: Page, width: number, name: string) => {
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth)
    expect(scrollWidth, `${name} at ${width}px`).toBeLessThanOrEqual(width)
  }

  const shoot = async (page: Page, name: string, width: number) => {
    if (screenshots) await page.screenshot({ path: join(imagesDir, `dashboard-${name}-${width}.png`), fullPage: true })
  }

  it("refuses a wrong key and stays on the sign-in page", async () => {
    const page = await newPage(1280)
    await signIn(page, "sk_test_thisKeyWasNeverIssued0001")
    expect(new URL(page.url()).pathname).toBe("/dashboard/sign-in")
    await expect(page.getByRole("alert").textContent()).resolves.toContain("That key or password was not accepted.")
    await expectAccessible(page, "sign-in (refused)")
    expect((await page.context().cookies()).map((cookie) => cookie.name)).not.toContain("billkit_dashboard")
  }, oneFlowMs)

  const pages = (s: Seeded, endpoint: string) => [
    { name: "overview", path: "/dashboard", heading: "Overview", shows: ["MRR in EUR", "MRR in USD"] },
    { name: "customers", path: "/dashboard/customers", heading: "Customers", shows: ["Ada Lovelace", "Grace Hopper", "Cobol Inc"] },
    { name: "customer-search", path: "/dashboard/customers?q=apollo", heading: "Customers", shows: ["Margaret Hamilton", "1 customer(s) matching"] },
    { name: "customer", path: `/dashboard/customers/${s.ada}`, heading: "Ada Lovelace", shows: ["ada@example.com", "subscription_cycle", "€29.00"] },
    { name: "subscriptions", path: "/dashboard/subscriptions?status=active", heading: "Subscriptions", shows: ["Ada Lovelace", "Grace Hopper", "Pro monthly", "Team per seat"] },
    { name: "invoices", path: "/dashboard/invoices", heading: "Invoices", shows: ["INV-000001", "$60.00"] },
    { name: "payments", path: "/dashboard/payments", heading: "Payments", shows: ["Your card was declined.", "succeeded"] },
    { name: "usage-events", path: "/dashboard/usage-events", heading: "Usage events", shows: ["seed-1", "calls=300"] },
    { name: "events", path: "/dashboard/events", heading: "Events", shows: ["customer.created", "invoice.paid"] },
    { name: "webhooks", path: "/dashboard/webhook-endpoints", heading: "Webhook endpoints", shows: ["Accounting sync", "enabled"] },
    { name: "webhook-deliveries", path: `/dashboard/webhook-endpoints/${endpoint}`, heading: "Webhook endpoint", shows: ["Deliveries", "customer.created"] },
    { name: "test-clock", path: "/dashboard/test-clock", heading: "Test clock", shows: ["Test time is", "Advance to the next renewal"] }
  ]

  for (const width of [1280, 375]) {
    it(`signs in and renders every page with real data, accessibly, at ${width}px`, async () => {
      const page = await newPage(width)
      await page.goto(`${server.url}/dashboard/sign-in`)
      await expectAccessible(page, "sign-in")
      await expectFits(page, width, "sign-in")
      await shoot(page, "sign-in", width)
      await signIn(page)
      expect(new URL(page.url()).pathname).toBe("/dashboard")
      const [endpoint] = (await api("GET", "/v1/webhook-endpoints")).body.data
      for (const target of pages(seeded, endpoint.id)) {
        await page.goto(`${server.url}${target.path}`)
        await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toBe(target.heading)
        const text = (await page.locator("main").innerText()).replace(/\s+/g, " ")
        for (const shown of target.shows) expect(text, target.name).toContain(shown)
        if (target.name === "overview") {
          // uPlot drew a canvas for each currency.
          await expect(page.locator(".chart-canvas canvas").count()).resolves.toBe(2)
          // The figures behind the chart, one keyboard press away.
          await page.getByText("The figures").first().focus()
          await page.keyboard.press("Enter")
          const figures = await page.locator("details").first().innerText()
          expect(figures).toContain("€58.00")
        }
        await expectAccessible(page, target.name)
        await expectFits(page, width, target.name)
        await shoot(page, target.name, width)
      }
    }, pageSweepMs)
  }

  it("filters subscriptions with the keyboard", async () => {
    const page = await newPage(1280)
    await signIn(page)
    await page.goto(`${server.url}/dashboard/subscriptions`)
    await page.getByLabel("Status").focus()
    await page.getByLabel("Status").selectOption("trialing")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.waitForURL(/status=trialing/)
    const text = await page.locator("main table").innerText()
    expect(text).toContain("Margaret Hamilton")
    expect(text).not.toContain("Ada Lovelace")
  }, oneFlowMs)

  it("refuses a form whose CSRF token was removed, and the clock does not move", async () => {
    const page = await newPage(1280)
    await signIn(page)
    await page.goto(`${server.url}/dashboard/test-clock`)
    const before = (await api("GET", "/v1/test-helpers/clock")).body.now
    await page.locator("form.advance").first().locator('input[name="csrf"]').evaluate((input) => input.remove())
    await page.getByLabel("Advance by days").fill("5")
    const [response] = await Promise.all([page.waitForResponse(/\/test-clock\/advance/), page.getByRole("button", { name: "Advance", exact: true }).click()])
    expect(response.status()).toBe(403)
    expect(await page.locator("main").innerText()).toContain("CSRF token missing or wrong")
    expect((await api("GET", "/v1/test-helpers/clock")).body.now).toBe(before)
  }, oneFlowMs)

  it("advancing the test clock a month creates the renewal invoices, shown on the page", async () => {
    const page = await newPage(1280)
    await signIn(page)
    await page.goto(`${server.url}/dashboard/test-clock`)
    const before = (await api("GET", "/v1/test-helpers/clock")).body.now
    await page.getByLabel("Advance by days").fill("31")
    await page.getByLabel("Advance by days").press("Enter")
    await page.waitForURL(/since=/)
    // Strictly after `before`: renewals due at that very instant were made before the advance (the
    // seed's 31-day steps land on a period end whenever the months in between have 31 days).
    const renewal = (await api("GET", `/v1/invoices?from=${encodeURIComponent(justAfter(before))}&customer=${seeded.ada}`)).body.data[0]
    expect(renewal).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", total: 2900 })
    const result = await page.getByRole("status").innerText()
    expect(result).toContain("Invoices created by the advance")
    expect(result).toContain(renewal.number)
    await expectAccessible(page, "test-clock after an advance")
    await shoot(page, "test-clock-advanced", 1280)
  }, oneFlowMs)
})

const justAfter = (instant: string) => new Date(Date.parse(instant) + 1).toISOString()
