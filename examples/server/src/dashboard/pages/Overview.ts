/** The overview: MRR per currency, as a uPlot chart with the same numbers in a table. */
import { html, raw } from "hono/html"
import { loadMrr, type Mrr } from "../Mrr.js"
import { day, money } from "../Format.js"
import { base, table } from "../Layout.js"
import type { BillkitClient } from "../BillkitClient.js"
import type { PageContext, Rendered } from "./PageContext.js"

/** Billkit's "now": the test clock's time in test mode (so advancing it moves the chart). */
export const billkitNow = async (client: BillkitClient, mode: "test" | "live"): Promise<Date> => {
  if (mode === "test") {
    const clock = await client.get("/v1/test-helpers/clock")
    if (clock.status === 200) return new Date(clock.body.now)
  }
  return new Date()
}

// `</script>` inside JSON would end the data island early; escaping `<` keeps it inert.
const jsonIsland = (value: unknown) => raw(JSON.stringify(value).replace(/</g, "\\u003c"))

const chart = (mrr: Mrr) =>
  mrr.series.length === 0
    ? html`<p class="empty">No paying subscriptions yet, so no MRR to chart.</p>`
    : html`${mrr.series.map(
        (series) => html`<figure class="chart">
          <figcaption>MRR in ${series.currency}</figcaption>
          <div class="chart-canvas" data-mrr-currency="${series.currency}" aria-hidden="true"></div>
          <details>
          <summary>The figures</summary>
          ${table(
            `MRR in ${series.currency} by month`,
            [
              { label: "At", cell: (p: { at: string }) => day(p.at) },
              { label: "MRR", cell: (p: { amount: number }) => money(p.amount, series.currency), numeric: true }
            ],
            series.points
          )}
          </details>
        </figure>`
      )}
      <script type="application/json" id="mrr-data">${jsonIsland(mrr.series)}</script>`

export const overviewPage = async ({ client, mode, features }: PageContext): Promise<Rendered> => {
  const now = await billkitNow(client, mode)
  const mrr = await loadMrr(client, now, features.analytics)
  return {
    title: "Overview",
    current: "Overview",
    styles: [`${base}/assets/uPlot.min.css`],
    scripts: [`${base}/assets/uPlot.iife.min.js`, `${base}/assets/dashboard.js`],
    body: html`<h2>Monthly recurring revenue</h2>
      <p class="hint">${
        mrr.source === "analytics"
          ? "From Billkit's analytics endpoint."
          : features.analytics
            ? "Computed from subscriptions and their current prices (this key may not read Billkit's analytics)."
            : "Computed from subscriptions and their current prices (Billkit's analytics endpoint is not available here)."
      }${mrr.complete ? "" : " Not every subscription could be read, so the figures are partial."}</p>
      ${chart(mrr)}`
  }
}
