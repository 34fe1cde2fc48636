/**
 * The admin dashboard over real HTTP (the example server in-process on a SQLite file): sign-in,
 * refusals, the session cookie, CSRF, every page with the seeded data, and the test clock.
 * The browser and accessibility checks are in dashboard.browser.test.ts.
 */
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startServer, type RunningServer } from "../src/index.js"
import { dashboardClient, mainText } from "./support/dashboardClient.js"
import { seedDashboard, type Seeded } from "./support/dashboardSeed.js"
import { apiClient, tempDir } from "./support/spawnServer.js"
import { startReceiver, stopReceivers } from "./support/webhookReceiver.js"

const apiKey = "sk_test_dashboardAdminKey000000001"
const adminPassword = "correct horse battery staple"

let server: RunningServer
let seeded: Seeded
let api: ReturnType<typeof apiClient>
let busyKey: string

beforeAll(async () => {
  server = await startServer({
    host: "127.0.0.1",
    port: 0,
    database: { kind: "sqlite", filename: join(tempDir(), "billkit.db") },
    billingIntervalSeconds: 0,
    webhookIntervalSeconds: 1,
    webhooksAllowPrivateNetworks: true,
    apiKey,
    adminPassword
  })
  // The pages and the seeding go through one key of their own whose limit a full run's bursts
  // cannot reach (the bootstrap key keeps the default 100 a second, and a 429 page is not what
  // these tests are about).
  const created = await apiClient(server.url, apiKey)("POST", "/v1/api-keys", {
    name: "dashboard tests",
    rate_limits: [{ window: "second", max: 10_000 }]
  })
  expect(created.status).toBe(201)
  busyKey = created.body.secret
  api = apiClient(server.url, busyKey)
  seeded = await seedDashboard(api, { webhookUrl: await startReceiver() })
}, 60_000)

afterAll(async () => {
  await server?.close()
  await stopReceivers()
})

const signedIn = async () => {
  const client = dashboardClient(server.url)
  const answer = await client.signIn({ key: busyKey })
  expect(answer.status).toBe(303)
  expect(answer.location).toBe("/dashboard")
  return client
}

describe("dashboard sign-in", () => {
  it("signs in with a secret key into an HttpOnly, SameSite=Strict session cookie", async () => {
    const client = dashboardClient(server.url)
    await client.get("/dashboard/sign-in")
    const answer = await client.post("/dashboard/sign-in", { csrf: client.csrf(), key: apiKey })
    expect(answer.status).toBe(303)
    const cookie = answer.setCookies.find((line) => line.startsWith("billkit_dashboard="))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Strict/)
    expect(cookie).toMatch(/Path=\/dashboard/)
    expect(cookie).not.toMatch(/Secure/)
    // The key itself never goes to the browser.
    expect(answer.setCookies.join("\n")).not.toContain(apiKey)
    const overview = await client.get("/dashboard")
    expect(overview.status).toBe(200)
    expect(overview.text).not.toContain(apiKey)
  })

  it("marks the cookie Secure behind an https proxy", async () => {
    const client = dashboardClient(server.url)
    await client.get("/dashboard/sign-in")
    const answer = await client.post("/dashboard/sign-in", { csrf: client.csrf(), key: apiKey }, { "x-forwarded-proto": "https" })
    expect(answer.setCookies.find((line) => line.startsWith("billkit_dashboard="))).toMatch(/Secure/)
  })

  it("refuses a wrong key, a publishable key and a wrong password, with no session", async () => {
    for (const credentials of [{ key: "sk_test_thisKeyWasNeverIssued0001" }, { key: "pk_test_notASecretKeyAtAll00001" }, { key: "" }, { password: "not the password" }]) {
      const client = dashboardClient(server.url)
      const answer = await client.signIn(credentials)
      expect(answer.status).toBe(401)
      expect(mainText(answer.text)).toContain("That key or password was not accepted.")
      expect(client.cookies.has("billkit_dashboard")).toBe(false)
      expect((await client.get("/dashboard/customers")).location).toBe("/dashboard/sign-in")
    }
  })

  it("signs in with BILLKIT_ADMIN_PASSWORD, acting with BILLKIT_API_KEY", async () => {
    const client = dashboardClient(server.url)
    expect((await client.signIn({ password: adminPassword })).status).toBe(303)
    expect(mainText((await client.get("/dashboard/customers")).text)).toContain("Ada Lovelace")
  })

  it("refuses a sign-in form without its CSRF token", async () => {
    const client = dashboardClient(server.url)
    await client.get("/dashboard/sign-in")
    const answer = await client.post("/dashboard/sign-in", { key: apiKey })
    expect(answer.status).toBe(403)
    expect(client.cookies.has("billkit_dashboard")).toBe(false)
  })

  it("sends a visitor without a session to the sign-in page", async () => {
    const answer = await dashboardClient(server.url).get("/dashboard/invoices")
    expect(answer.status).toBe(303)
    expect(answer.location).toBe("/dashboard/sign-in")
  })

  it("signs out: the session is gone on the server, not only in the browser", async () => {
    const client = await signedIn()
    const session = client.cookies.get("billkit_dashboard")!
    await client.get("/dashboard")
    expect((await client.post("/dashboard/sign-out", { csrf: client.csrf() })).location).toBe("/dashboard/sign-in")
    const replay = await fetch(`${server.url}/dashboard`, { headers: { cookie: `billkit_dashboard=${session}` }, redirect: "manual" })
    expect(replay.status).toBe(303)
  })
})

describe("dashboard pages show Billkit's records", () => {
  it("overview: MRR per currency from the subscriptions (trial and unpaid ones not counted)", async () => {
    const client = await signedIn()
    const page = (await client.get("/dashboard")).text
    const text = mainText(page)
    expect(text).toContain("MRR in EUR")
    expect(text).toContain("MRR in USD")
    const series = JSON.parse(/<script type="application\/json" id="mrr-data">([^<]*)<\/script>/.exec(page)![1]!)
    const amounts = (currency: string) => series.find((s: any) => s.currency === currency).points.map((p: any) => p.amount)
    // Now: Ada and Alan pay €29 a month; Margaret is in her trial and Linus's card declined.
    // Grace pays 5 seats × $12 since the second month; before that only Ada paid.
    expect(amounts("EUR").at(-1)).toBe(5800)
    expect(amounts("USD").at(-1)).toBe(6000)
    expect(amounts("EUR")).toContain(2900)
    expect(amounts("USD")).toContain(0)
    expect(text).toContain("€58.00")
    expect(text).toContain("$60.00")
  })

  it("customers: list, search by words and by email, and one customer's records", async () => {
    const client = await signedIn()
    const list = mainText((await client.get("/dashboard/customers")).text)
    for (const name of ["Ada Lovelace", "Grace Hopper", "Linus Torvalds", "Margaret Hamilton", "Alan Turing"]) expect(list).toContain(name)

    const byWords = mainText((await client.get("/dashboard/customers?q=cobol")).text)
    expect(byWords).toContain("1 customer(s) matching “cobol”")
    expect(byWords).toContain("Grace Hopper")
    expect(byWords).not.toContain("Ada Lovelace")

    const byEmail = mainText((await client.get("/dashboard/customers?q=ADA%40example.com")).text)
    expect(byEmail).toContain("Ada Lovelace")
    expect(byEmail).not.toContain("Grace Hopper")

    const detail = mainText((await client.get(`/dashboard/customers/${seeded.ada}`)).text)
    expect(detail).toContain("ada@example.com")
    expect(detail).toContain("subscription_cycle")
    expect(detail).toContain("€29.00")
    expect((await client.get("/dashboard/customers/cus_doesNotExist")).text).toContain("No such customer.")
  })

  it("subscriptions: filtered by status", async () => {
    const client = await signedIn()
    const trialing = mainText((await client.get("/dashboard/subscriptions?status=trialing")).text)
    expect(trialing).toContain("Margaret Hamilton")
    expect(trialing).toContain("Pro monthly")
    expect(trialing).not.toContain("Ada Lovelace")
    const incomplete = mainText((await client.get("/dashboard/subscriptions?status=incomplete")).text)
    expect(incomplete).toContain("Linus Torvalds")
    expect(incomplete).not.toContain("Margaret Hamilton")
    const all = mainText((await client.get("/dashboard/subscriptions")).text)
    for (const name of ["Ada Lovelace", "Grace Hopper", "Linus Torvalds", "Margaret Hamilton", "Alan Turing"]) expect(all).toContain(name)
    expect(all).toContain("Team per seat")
    expect(all).toContain("at period end")
  })

  it("invoices, payments, usage events and events", async () => {
    const client = await signedIn()
    const invoices = mainText((await client.get("/dashboard/invoices")).text)
    expect(invoices).toContain("INV-000001")
    expect(invoices).toContain("$60.00")
    const open = mainText((await client.get("/dashboard/invoices?status=open")).text)
    expect(open).toContain("Linus Torvalds")
    expect(open).not.toContain("Ada Lovelace")

    const payments = mainText((await client.get("/dashboard/payments")).text)
    expect(payments).toContain("Your card was declined.")
    expect(payments).toContain("succeeded")

    const usage = mainText((await client.get("/dashboard/usage-events?code=api_calls")).text)
    expect(usage).toContain("seed-3")
    expect(usage).toContain("calls=300")

    const events = mainText((await client.get("/dashboard/events?type=invoice.paid")).text)
    expect(events).toContain(`invoice.paid ${(await api("GET", "/v1/events?type=invoice.paid&limit=1")).body.data[0].subject}`)
    expect(events).not.toMatch(/customer\.created cus_/)
  })

  it("an invoice's PDF comes through the dashboard with the session's key", async () => {
    const client = await signedIn()
    const [invoice] = (await api("GET", "/v1/invoices?limit=1")).body.data
    const response = await fetch(`${server.url}/dashboard/invoices/${invoice.id}/pdf`, { headers: { cookie: `billkit_dashboard=${client.cookies.get("billkit_dashboard")}` } })
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toBe("application/pdf")
    expect(Buffer.from(await response.arrayBuffer()).subarray(0, 5).toString()).toBe("%PDF-")
  })

  it("a key's scopes apply: a customers:read key sees customers and is told it may not read invoices", async () => {
    const created = await api("POST", "/v1/api-keys", { name: "support desk", type: "secret", scopes: ["customers:read"] })
    expect(created.status).toBe(201)
    const client = dashboardClient(server.url)
    expect((await client.signIn({ key: created.body.secret })).status).toBe(303)
    expect(mainText((await client.get("/dashboard/customers")).text)).toContain("Ada Lovelace")
    const invoices = mainText((await client.get("/dashboard/invoices")).text)
    expect(invoices).toContain("This key may not read invoices (it lacks the scope).")
    expect(invoices).not.toContain("INV-000001")
  })

  it("webhook endpoints and their deliveries, as the delivery worker recorded them", async () => {
    const client = await signedIn()
    const [endpoint] = (await api("GET", "/v1/webhook-endpoints")).body.data
    const list = mainText((await client.get("/dashboard/webhook-endpoints")).text)
    expect(list).toContain(endpoint.url)
    expect(list).toContain("Accounting sync")
    // The worker runs every second; wait (bounded) until it has delivered something.
    for (let i = 0; i < 50; i++) {
      const deliveries = (await api("GET", `/v1/webhook-endpoints/${endpoint.id}/deliveries`)).body.data
      if (deliveries.some((d: any) => d.status === "succeeded")) break
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    const detail = mainText((await client.get(`/dashboard/webhook-endpoints/${endpoint.id}`)).text)
    expect(detail).toContain("Deliveries")
    expect(detail).toMatch(/customer\.created evt_\w+ succeeded 1 200/)
    expect((await client.get("/dashboard")).text).toContain('href="/dashboard/webhook-endpoints"')
  })

  it("the static files are served from the server itself", async () => {
    const uplot = await fetch(`${server.url}/dashboard/assets/uPlot.iife.min.js`)
    expect(uplot.status).toBe(200)
    expect(await uplot.text()).toContain("uPlot")
    expect((await fetch(`${server.url}/dashboard/assets/nope.js`)).status).toBe(404)
  })
})

describe("dashboard test clock", () => {
  it("refuses an advance without the CSRF token, and the clock stays where it was", async () => {
    const client = await signedIn()
    const before = await clockNow()
    await client.get("/dashboard/test-clock")
    expect((await client.post("/dashboard/test-clock/advance", { days: "30" })).status).toBe(403)
    expect((await client.post("/dashboard/test-clock/advance", { days: "30", csrf: "forged" })).status).toBe(403)
    // Another session's token is not this session's.
    const other = await signedIn()
    await other.get("/dashboard/test-clock")
    expect((await client.post("/dashboard/test-clock/advance", { days: "30", csrf: other.csrf() })).status).toBe(403)
    expect((await api("GET", "/v1/test-helpers/clock")).body.now).toBe(before)
  })

  it("advancing a month renews the subscriptions and shows the renewal invoices", async () => {
    const client = await signedIn()
    const before = await clockNow()
    await client.get("/dashboard/test-clock")
    const answer = await client.post("/dashboard/test-clock/advance", { days: "31", csrf: client.csrf() })
    expect(answer.status).toBe(303)
    const after = (await api("GET", "/v1/test-helpers/clock")).body.now
    expect(Date.parse(after) - Date.parse(before)).toBe(31 * 86_400_000)

    // Strictly after `before`, as the page lists them: renewals due at that very instant were made
    // before the advance (the seed's 31-day steps land on a period end when the months have 31 days).
    const renewals = (await api("GET", `/v1/invoices?from=${encodeURIComponent(new Date(Date.parse(before) + 1).toISOString())}`)).body.data
    const adaRenewal = renewals.find((invoice: any) => invoice.customer === seeded.ada)
    expect(adaRenewal).toMatchObject({ billing_reason: "subscription_cycle", status: "paid", total: 2900 })

    const page = mainText((await client.get(answer.location!)).text)
    expect(page).toContain("Invoices created by the advance")
    expect(page).toContain(adaRenewal.number)
    expect(page).toContain("Margaret Hamilton") // her trial ended: her first invoice
    // Invoices made before the advance are not listed as made by it.
    expect(page).not.toContain("INV-000001 ")
    expect(page).toMatch(/[1-9]\d* billing step\(s\) done/)
  })

  it("refuses a bad number of days without moving the clock", async () => {
    const client = await signedIn()
    const before = await clockNow()
    await client.get("/dashboard/test-clock")
    const answer = await client.post("/dashboard/test-clock/advance", { days: "-3", csrf: client.csrf() })
    expect(mainText((await client.get(answer.location!)).text)).toContain("Days must be a whole number from 0 to 3660.")
    expect(await clockNow()).toBe(before)
  })
})

/** The test clock's instant. A 429 would be waited out rather than read as a clock. */
const clockNow = async (): Promise<string> => {
  for (;;) {
    const reply = await api("GET", "/v1/test-helpers/clock")
    if (reply.status !== 429) {
      expect(reply.status, JSON.stringify(reply.body)).toBe(200)
      return reply.body.now
    }
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
}
