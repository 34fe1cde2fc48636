/** Webhook endpoints and their deliveries; offered only when Billkit serves them. */
import { html } from "hono/html"
import { when } from "../Format.js"
import { base, nextPage, refusal, status, table } from "../Layout.js"
import { param, type PageContext, type Rendered } from "./PageContext.js"

const endpointColumns = [
  { label: "Endpoint", cell: (e: any) => html`<a href="${base}/webhook-endpoints/${e.id}">${e.url}</a>` },
  { label: "Events", cell: (e: any) => (Array.isArray(e.events) ? e.events.join(", ") : "—") },
  { label: "Description", cell: (e: any) => e.description ?? "—" },
  { label: "Status", cell: (e: any) => status(e.disabled === true ? "disabled" : "enabled") },
  { label: "Created", cell: (e: any) => when(e.created_at) }
]

const deliveryColumns = [
  { label: "Delivery", cell: (d: any) => html`<code>${d.id}</code>` },
  { label: "Event", cell: (d: any) => html`${d.event_type} <code>${d.event}</code>` },
  { label: "Status", cell: (d: any) => status(d.status) },
  { label: "Attempts", cell: (d: any) => d.attempts, numeric: true },
  { label: "Response", cell: (d: any) => d.response_status ?? d.error ?? "—" },
  { label: "Next attempt", cell: (d: any) => when(d.next_attempt_at) },
  { label: "Created", cell: (d: any) => when(d.created_at) }
]

export const webhookEndpointsPage = async ({ client, query }: PageContext): Promise<Rendered> => {
  const list = await client.get("/v1/webhook-endpoints", { limit: 50, starting_after: param(query, "starting_after") })
  return {
    title: "Webhook endpoints",
    current: "Webhooks",
    body: list.status === 200 ? html`${table("Webhook endpoints", endpointColumns, list.body.data)}${nextPage(`${base}/webhook-endpoints`, {}, list.body)}` : refusal("webhook endpoints", list)
  }
}

export const webhookEndpointPage = async ({ client, query }: PageContext, id: string): Promise<Rendered> => {
  const endpoint = await client.get(`/v1/webhook-endpoints/${encodeURIComponent(id)}`)
  if (endpoint.status !== 200) return { title: "Webhook endpoint", current: "Webhooks", body: refusal("webhook endpoint", endpoint) }
  const deliveries = await client.get(`/v1/webhook-endpoints/${encodeURIComponent(id)}/deliveries`, { limit: 50, starting_after: param(query, "starting_after") })
  return {
    title: "Webhook endpoint",
    current: "Webhooks",
    body: html`<dl class="facts">
        <div><dt>URL</dt><dd>${endpoint.body.url}</dd></div>
        <div><dt>Id</dt><dd><code>${endpoint.body.id}</code></dd></div>
        <div><dt>Events</dt><dd>${Array.isArray(endpoint.body.events) ? endpoint.body.events.join(", ") : "—"}</dd></div>
        <div><dt>Status</dt><dd>${status(endpoint.body.disabled === true ? "disabled" : "enabled")}</dd></div>
      </dl>
      <h2>Deliveries</h2>
      ${deliveries.status === 200
        ? html`${table("Deliveries", deliveryColumns, deliveries.body.data)}${nextPage(`${base}/webhook-endpoints/${id}`, {}, deliveries.body)}`
        : refusal("deliveries", deliveries)}`
  }
}
