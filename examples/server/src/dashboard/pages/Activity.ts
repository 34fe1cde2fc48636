/** What happened: metered usage events and Billkit's own events (the webhook outbox). */
import { html } from "hono/html"
import { when } from "../Format.js"
import { base, nextPage, refusal, table } from "../Layout.js"
import { customerLink, loadNames, type Names } from "../Names.js"
import { param, type PageContext, type Rendered } from "./PageContext.js"

const properties = (value: unknown) => {
  if (typeof value !== "object" || value === null || Object.keys(value).length === 0) return "—"
  return html`<code>${Object.entries(value).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`).join(" ")}</code>`
}

const usageColumns = (names: Names) => [
  { label: "Event id", cell: (e: any) => html`<code>${e.event_id}</code>` },
  { label: "Metric", cell: (e: any) => e.code },
  { label: "Customer", cell: (e: any) => customerLink(names, e.customer) },
  { label: "Value", cell: (e: any) => e.value, numeric: true },
  { label: "Properties", cell: (e: any) => properties(e.properties) },
  { label: "At", cell: (e: any) => when(e.timestamp) }
]

export const usageEventsPage = async ({ client, query }: PageContext): Promise<Rendered> => {
  const code = param(query, "code")
  const list = await client.get("/v1/usage-events", { limit: 50, code, starting_after: param(query, "starting_after") })
  return {
    title: "Usage events",
    current: "Usage events",
    body: html`<form method="get" action="${base}/usage-events" class="filters">
        <label for="code">Metric code</label>
        <input id="code" name="code" value="${code ?? ""}" />
        <button type="submit">Filter</button>
      </form>
      ${list.status === 200 ? html`${table("Usage events", usageColumns(await loadNames(client, list.body.data)), list.body.data)}${nextPage(`${base}/usage-events`, { code }, list.body)}` : refusal("usage events", list)}`
  }
}

const eventColumns = [
  { label: "Event", cell: (e: any) => html`<code>${e.id}</code>` },
  { label: "Type", cell: (e: any) => e.type },
  { label: "Subject", cell: (e: any) => (typeof e.subject === "string" && e.subject.startsWith("cus_") ? html`<a href="${base}/customers/${e.subject}">${e.subject}</a>` : html`<code>${e.subject ?? "—"}</code>`) },
  { label: "At", cell: (e: any) => when(e.created_at) }
]

export const eventsPage = async ({ client, query, features }: PageContext): Promise<Rendered> => {
  const chosen = param(query, "type")
  const type = features.eventTypes.find((t) => t === chosen)
  const list = await client.get("/v1/events", { limit: 50, type, starting_after: param(query, "starting_after") })
  return {
    title: "Events",
    current: "Events",
    body: html`<form method="get" action="${base}/events" class="filters">
        <label for="type">Type</label>
        <select id="type" name="type">
          <option value="">any</option>
          ${features.eventTypes.map((t) => html`<option value="${t}"${t === type ? html` selected` : ""}>${t}</option>`)}
        </select>
        <button type="submit">Filter</button>
      </form>
      ${list.status === 200 ? html`${table("Events", eventColumns, list.body.data)}${nextPage(`${base}/events`, { type }, list.body)}` : refusal("events", list)}`
  }
}
