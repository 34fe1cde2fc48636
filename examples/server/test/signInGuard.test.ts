/** The dashboard's sign-in guard: refused attempts per minute, then a wait, then attempts again. */
import { describe, expect, it } from "vitest"
import { makeSignInGuard } from "../src/dashboard/SignInGuard.js"

describe("sign-in guard", () => {
  it("lets attempts through until the limit of refusals in a minute, then says how long to wait", () => {
    let t = 1_000_000
    const guard = makeSignInGuard(3, () => t)
    for (let i = 0; i < 3; i++) {
      expect(guard.retryAfter()).toBe(0)
      guard.failed()
      t += 10_000
    }
    // Failures at 0 s, 10 s, 20 s; now is 30 s: the first one leaves the window at 60 s.
    expect(guard.retryAfter()).toBe(30)
    t += 29_000
    expect(guard.retryAfter()).toBe(1)
    t += 1_000
    expect(guard.retryAfter()).toBe(0)
  })
})

describe("dashboard sign-in under guessing", () => {
  it("answers 429 with Retry-After once refusals pass the limit, even for the right key", async () => {
    const { billkit, makeMemoryStorage } = await import("@billkit/core")
    const { makeDashboard } = await import("../src/dashboard/Dashboard.js")
    const billing = billkit({ storage: makeMemoryStorage() })
    const { apiKey } = await billing.bootstrap()
    const app = makeDashboard(billing, { signInFailuresPerMinute: 2 })
    const attempt = async (key: string) => {
      const form = await app.request("/sign-in")
      const token = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!
      const cookie = form.headers.getSetCookie()[0]!.split(";")[0]!
      return app.request("/sign-in", {
        method: "POST",
        headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ csrf: token, key }).toString()
      })
    }
    expect((await attempt("sk_test_wrongGuessNumber00000001")).status).toBe(401)
    expect((await attempt("sk_test_wrongGuessNumber00000002")).status).toBe(401)
    const locked = await attempt(apiKey!)
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0)
    await billing.dispose()
  })
})
