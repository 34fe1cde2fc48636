/**
 * The admin dashboard, mounted by the example server at `/dashboard`: server-rendered pages over
 * Billkit's REST handler, called in-process with the signed-in key. Sign-in takes a secret key
 * (or the operator's `BILLKIT_ADMIN_PASSWORD`, which acts with `BILLKIT_API_KEY`); the session
 * lives in an HttpOnly, SameSite=Strict cookie and every form carries the session's CSRF token.
 */
import type { Billkit } from "@billkit/core"
import { Hono, type Context } from "hono"
import { deleteCookie, getCookie, setCookie } from "hono/cookie"
import { assets } from "./Assets.js"
import { eventTypes, makeBillkitClient, servesPath } from "./BillkitClient.js"
import { base, page } from "./Layout.js"
import { customerPage, customersPage } from "./pages/Customers.js"
import { eventsPage, usageEventsPage } from "./pages/Activity.js"
import { invoicesPage } from "./pages/Invoices.js"
import { overviewPage } from "./pages/Overview.js"
import type { Features, PageContext, Rendered } from "./pages/PageContext.js"
import { paymentsPage } from "./pages/Payments.js"
import { signInPage } from "./pages/SignIn.js"
import { subscriptionsPage } from "./pages/Subscriptions.js"
import { advanceBody, testClockPage } from "./pages/TestClock.js"
import { webhookEndpointPage, webhookEndpointsPage } from "./pages/Webhooks.js"
import { makeSignInGuard } from "./SignInGuard.js"
import { makeSessionStore, randomToken, sameSecret, type Session } from "./Sessions.js"

export interface DashboardOptions {
  /** `BILLKIT_ADMIN_PASSWORD`: signing in with it acts with `adminApiKey`. */
  readonly adminPassword?: string
  readonly adminApiKey?: string
  /** Refused sign-ins allowed per minute before every sign-in waits (429). Default 10. */
  readonly signInFailuresPerMinute?: number
}

const sessionCookie = "billkit_dashboard"
// Before sign-in there is no session to hold a CSRF token, so the sign-in form double-submits one.
const signInCookie = "billkit_dashboard_sign_in"
const secretKeyPattern = /^sk_(test|live)_[A-Za-z0-9]{16,128}$/

const securityHeaders: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store"
}

const isHttps = (c: Context) => new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https"

const cookieOptions = (c: Context) => ({ path: base, httpOnly: true, sameSite: "Strict" as const, secure: isHttps(c) })

const modeOf = (apiKey: string): "test" | "live" => (apiKey.startsWith("sk_live_") ? "live" : "test")

const navigation = (features: Features, mode: "test" | "live") => [
  { href: base, label: "Overview" },
  { href: `${base}/customers`, label: "Customers" },
  { href: `${base}/subscriptions`, label: "Subscriptions" },
  { href: `${base}/invoices`, label: "Invoices" },
  { href: `${base}/payments`, label: "Payments" },
  { href: `${base}/usage-events`, label: "Usage events" },
  { href: `${base}/events`, label: "Events" },
  ...(features.webhooks ? [{ href: `${base}/webhook-endpoints`, label: "Webhooks" }] : []),
  ...(mode === "test" ? [{ href: `${base}/test-clock`, label: "Test clock" }] : [])
]

type Env = { Variables: { session: Session } }

export const makeDashboard = (billing: Billkit, options: DashboardOptions = {}): Hono<Env> => {
  const sessions = makeSessionStore()
  const guard = makeSignInGuard(options.signInFailuresPerMinute)
  const features: Features = {
    webhooks: servesPath(billing, "/v1/webhook-endpoints/{id}/deliveries"),
    analytics: servesPath(billing, "/v1/analytics/mrr"),
    eventTypes: eventTypes(billing)
  }
  const passwordAllowed = options.adminPassword !== undefined && options.adminApiKey !== undefined
  const app = new Hono<Env>()

  app.use("*", async (c, next) => {
    await next()
    for (const [name, value] of Object.entries(securityHeaders)) c.res.headers.set(name, value)
  })

  app.get("/assets/:file", (c) => {
    const asset = assets[c.req.param("file")]
    if (asset === undefined) return c.notFound()
    return c.body(asset.body(), 200, { "content-type": asset.type })
  })

  const showSignIn = (c: Context, error?: string) => {
    const token = randomToken()
    setCookie(c, signInCookie, token, cookieOptions(c))
    return c.html(signInPage({ csrfToken: token, passwordAllowed, ...(error === undefined ? {} : { error }) }), error === undefined ? 200 : 401)
  }

  app.get("/sign-in", (c) => (sessions.find(getCookie(c, sessionCookie)) === undefined ? showSignIn(c) : c.redirect(base, 303)))

  app.post("/sign-in", async (c) => {
    const form = await c.req.parseBody()
    const expected = getCookie(c, signInCookie)
    if (expected === undefined || typeof form.csrf !== "string" || !sameSecret(form.csrf, expected)) {
      return c.html(page({ title: "Sign-in refused" }, "The form expired or did not come from this dashboard. Reload the sign-in page."), 403)
    }
    const wait = guard.retryAfter()
    if (wait > 0) {
      c.header("retry-after", String(wait))
      return c.html(page({ title: "Too many attempts" }, `Too many refused sign-ins. Try again in ${wait} seconds.`), 429)
    }
    const key = await keyFor(form)
    if (key === undefined) {
      guard.failed()
      return showSignIn(c, "That key or password was not accepted.")
    }
    deleteCookie(c, signInCookie, cookieOptions(c))
    const session = sessions.create(key)
    setCookie(c, sessionCookie, session.id, cookieOptions(c))
    return c.redirect(base, 303)
  })

  /** The key a sign-in form stands for, once Billkit has recognised it. */
  const keyFor = async (form: Record<string, unknown>): Promise<string | undefined> => {
    const password = typeof form.password === "string" ? form.password : ""
    if (password !== "") {
      return passwordAllowed && sameSecret(password, options.adminPassword!) ? options.adminApiKey : undefined
    }
    const key = typeof form.key === "string" ? form.key.trim() : ""
    if (!secretKeyPattern.test(key)) return undefined
    // Unknown and revoked keys answer 401 before any scope is looked at.
    const probe = await makeBillkitClient(billing, key).get("/v1/events", { limit: 1 })
    return probe.status === 401 ? undefined : key
  }

  // Everything below needs a session.
  app.use("*", async (c, next) => {
    const session = sessions.find(getCookie(c, sessionCookie))
    if (session === undefined) {
      if (c.req.method === "GET") return c.redirect(`${base}/sign-in`, 303)
      return c.html(page({ title: "Signed out" }, "Your session ended. Sign in again."), 401)
    }
    if (c.req.method === "POST") {
      const form = await c.req.parseBody()
      if (typeof form.csrf !== "string" || !sameSecret(form.csrf, session.csrfToken)) {
        return c.html(page({ title: "Request refused" }, "The form expired or did not come from this dashboard (CSRF token missing or wrong)."), 403)
      }
    }
    c.set("session", session)
    await next()
  })

  const contextOf = (c: Context<Env>): PageContext => {
    const session = c.get("session")
    return {
      client: makeBillkitClient(billing, session.apiKey),
      mode: modeOf(session.apiKey),
      csrfToken: session.csrfToken,
      features,
      query: new URL(c.req.url).searchParams
    }
  }

  const render = (load: (ctx: PageContext, c: Context<Env>) => Promise<Rendered>) => async (c: Context<Env>) => {
    const ctx = contextOf(c)
    const rendered = await load(ctx, c)
    return c.html(
      page(
        {
          title: rendered.title,
          current: rendered.current,
          mode: ctx.mode,
          csrfToken: ctx.csrfToken,
          nav: navigation(features, ctx.mode),
          ...(rendered.scripts === undefined ? {} : { scripts: rendered.scripts }),
          ...(rendered.styles === undefined ? {} : { styles: rendered.styles })
        },
        rendered.body
      )
    )
  }

  app.post("/sign-out", (c) => {
    sessions.end(c.get("session").id)
    deleteCookie(c, sessionCookie, cookieOptions(c))
    return c.redirect(`${base}/sign-in`, 303)
  })

  app.get("/", render(overviewPage))
  app.get("/customers", render(customersPage))
  app.get("/customers/:id", render((ctx, c) => customerPage(ctx, c.req.param("id") ?? "")))
  app.get("/subscriptions", render(subscriptionsPage))
  app.get("/invoices", render(invoicesPage))
  app.get("/invoices/:id/pdf", async (c) => {
    const response = await contextOf(c).client.raw(`/v1/invoices/${encodeURIComponent(c.req.param("id"))}/pdf`)
    if (response.status !== 200) return c.html(page({ title: "Invoice PDF" }, `Billkit answered ${response.status} for this invoice's PDF.`), response.status as 404)
    return c.body(await response.arrayBuffer(), 200, { "content-type": "application/pdf" })
  })
  app.get("/payments", render(paymentsPage))
  app.get("/usage-events", render(usageEventsPage))
  app.get("/events", render(eventsPage))
  if (features.webhooks) {
    app.get("/webhook-endpoints", render(webhookEndpointsPage))
    app.get("/webhook-endpoints/:id", render((ctx, c) => webhookEndpointPage(ctx, c.req.param("id") ?? "")))
  }
  app.get("/test-clock", render(testClockPage))
  app.post("/test-clock/advance", async (c) => {
    const ctx = contextOf(c)
    const body = advanceBody(await c.req.parseBody())
    if (typeof body === "string") return c.redirect(`${base}/test-clock?${new URLSearchParams({ error: body })}`, 303)
    const before = await ctx.client.get("/v1/test-helpers/clock")
    if (before.status !== 200) return c.redirect(`${base}/test-clock`, 303)
    const advanced = await ctx.client.post("/v1/test-helpers/clock/advance", body)
    if (advanced.status !== 200) {
      return c.redirect(`${base}/test-clock?${new URLSearchParams({ error: String(advanced.body?.detail ?? `Billkit answered ${advanced.status}`) })}`, 303)
    }
    const result = new URLSearchParams({ since: before.body.now, steps: String(advanced.body.steps) })
    if (advanced.body.failed.length > 0) result.set("failed", advanced.body.failed.join(", "))
    return c.redirect(`${base}/test-clock?${result}`, 303)
  })

  return app
}
