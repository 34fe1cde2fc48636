/**
 * The test clock (test mode only): Billkit's test time, a form to move it forward, and the
 * invoices that the advance created (renewals, trial ends), so the operator watches them happen.
 */
import { html } from "hono/html"
import { when } from "../Format.js"
import { base, refusal, table } from "../Layout.js"
import { invoiceColumns } from "./Invoices.js"
import { billkitNow } from "./Overview.js"
import { loadNames } from "../Names.js"
import { param, type PageContext, type Rendered } from "./PageContext.js"

const maxDays = 3660

/** The soonest future renewal or trial end among live subscriptions: a handy place to go. */
const nextRenewal = async (ctx: PageContext, now: Date): Promise<string | undefined> => {
  const subscriptions = await ctx.client.listAll("/v1/subscriptions", {}, 5000)
  const upcoming = subscriptions.data
    .filter((s) => ["active", "trialing", "past_due"].includes(s.status))
    .map((s) => (s.status === "trialing" ? (s.trial_end ?? s.current_period_end) : s.current_period_end) as string | null)
    .filter((at): at is string => at !== null && Date.parse(at) > now.getTime())
    .sort((a, b) => Date.parse(a) - Date.parse(b))
  return upcoming[0]
}

const advanced = async (ctx: PageContext) => {
  const since = param(ctx.query, "since")
  if (since === undefined || Number.isNaN(Date.parse(since))) return html``
  const steps = param(ctx.query, "steps") ?? "0"
  const failed = param(ctx.query, "failed")
  // Test time stood still before the advance, so what was made before it carries `since` itself.
  const invoices = await ctx.client.get("/v1/invoices", { from: new Date(Date.parse(since) + 1).toISOString(), limit: 100 })
  return html`<section aria-labelledby="advanced" class="result" role="status">
    <h2 id="advanced">Advanced from ${when(since)}</h2>
    <p>${steps} billing step(s) done${failed === undefined ? "" : html`; still due after a failure: <code>${failed}</code>`}.</p>
    ${invoices.status === 200 ? table("Invoices created by the advance", invoiceColumns(await loadNames(ctx.client, invoices.body.data)), invoices.body.data) : refusal("invoices", invoices)}
  </section>`
}

export const testClockPage = async (ctx: PageContext): Promise<Rendered> => {
  const clock = await ctx.client.get("/v1/test-helpers/clock")
  if (clock.status !== 200) return { title: "Test clock", current: "Test clock", body: refusal("test clock", clock) }
  const now = await billkitNow(ctx.client, ctx.mode)
  const next = await nextRenewal(ctx, now)
  const error = param(ctx.query, "error")
  return {
    title: "Test clock",
    current: "Test clock",
    body: html`<p>Test time is <strong>${when(clock.body.now)}</strong>${clock.body.frozen ? " (stands still between advances)" : " (follows real time until the first advance)"}.</p>
      ${error === undefined ? "" : html`<p class="notice" role="alert">${error}</p>`}
      <form method="post" action="${base}/test-clock/advance" class="advance">
        <input type="hidden" name="csrf" value="${ctx.csrfToken}" />
        <label for="days">Advance by days</label>
        <input id="days" name="days" type="number" min="0" max="${maxDays}" step="1" value="1" inputmode="numeric" />
        <button type="submit">Advance</button>
      </form>
      ${next === undefined
        ? ""
        : html`<form method="post" action="${base}/test-clock/advance" class="advance">
            <input type="hidden" name="csrf" value="${ctx.csrfToken}" />
            <input type="hidden" name="to" value="${next}" />
            <button type="submit">Advance to the next renewal (${when(next)})</button>
          </form>`}
      ${await advanced(ctx)}`
  }
}

/** The advance request body from the form: `{seconds}` for days, or `{to}` for a chosen instant. */
export const advanceBody = (form: Record<string, unknown>): { seconds: number } | { to: string } | string => {
  if (typeof form.to === "string" && form.to !== "") return Number.isNaN(Date.parse(form.to)) ? "Choose a valid instant." : { to: form.to }
  const days = typeof form.days === "string" ? Number(form.days) : Number.NaN
  if (!Number.isInteger(days) || days < 0 || days > maxDays) return `Days must be a whole number from 0 to ${maxDays}.`
  return { seconds: days * 86_400 }
}
