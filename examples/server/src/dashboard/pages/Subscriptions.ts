/** Subscriptions, filtered by status. */
import { html } from "hono/html"
import { day } from "../Format.js"
import { base, nextPage, refusal, status, table } from "../Layout.js"
import { customerLink, loadNames, type Names } from "../Names.js"
import { param, type PageContext, type Rendered } from "./PageContext.js"

export const subscriptionStatuses = ["trialing", "active", "past_due", "unpaid", "paused", "canceled", "incomplete"] as const

export const subscriptionColumns = (names: Names) => [
  { label: "Subscription", cell: (s: any) => html`<code>${s.id}</code>` },
  { label: "Customer", cell: (s: any) => customerLink(names, s.customer) },
  { label: "Plan", cell: (s: any) => names.plan(s.plan) ?? html`<code>${s.plan}</code>` },
  { label: "Status", cell: (s: any) => status(s.status) },
  { label: "Seats", cell: (s: any) => s.seats, numeric: true },
  { label: "Period", cell: (s: any) => `${day(s.current_period_start)} → ${day(s.current_period_end)}` },
  { label: "Cancels", cell: (s: any) => (s.cancel_at_period_end === true ? "at period end" : s.cancel_at === null || s.cancel_at === undefined ? "—" : day(s.cancel_at)) }
]

const filterForm = (selected: string | undefined) => html`<form method="get" action="${base}/subscriptions" class="filters">
  <label for="status">Status</label>
  <select id="status" name="status">
    <option value="">any</option>
    ${subscriptionStatuses.map((s) => html`<option value="${s}"${s === selected ? html` selected` : ""}>${s}</option>`)}
  </select>
  <button type="submit">Filter</button>
</form>`

export const subscriptionsPage = async ({ client, query }: PageContext): Promise<Rendered> => {
  const chosen = param(query, "status")
  const selected = subscriptionStatuses.find((s) => s === chosen)
  const list = await client.get("/v1/subscriptions", { limit: 50, status: selected, starting_after: param(query, "starting_after") })
  return {
    title: "Subscriptions",
    current: "Subscriptions",
    body: html`${filterForm(selected)}${
      list.status === 200
        ? html`${table(selected === undefined ? "Subscriptions" : `Subscriptions (${selected})`, subscriptionColumns(await loadNames(client, list.body.data)), list.body.data)}${nextPage(`${base}/subscriptions`, { status: selected }, list.body)}`
        : refusal("subscriptions", list)
    }`
  }
}
