/** Invoices, filtered by status; amounts in the invoice's currency. */
import { html } from "hono/html"
import { day, money } from "../Format.js"
import { base, nextPage, refusal, status, table } from "../Layout.js"
import { customerLink, loadNames, type Names } from "../Names.js"
import { param, type PageContext, type Rendered } from "./PageContext.js"

const invoiceStatuses = ["draft", "open", "paid", "void", "uncollectible"] as const

export const invoiceColumns = (names: Names) => [
  { label: "Invoice", cell: (i: any) => html`<a href="${base}/invoices/${i.id}/pdf" aria-label="PDF of invoice ${i.number ?? i.id}">${i.number ?? i.id}</a>` },
  { label: "Customer", cell: (i: any) => customerLink(names, i.customer) },
  { label: "Status", cell: (i: any) => status(i.status) },
  { label: "Reason", cell: (i: any) => i.billing_reason ?? "—" },
  { label: "Period", cell: (i: any) => (i.period_start === null || i.period_start === undefined ? "—" : `${day(i.period_start)} → ${day(i.period_end)}`) },
  { label: "Total", cell: (i: any) => money(i.total, i.currency), numeric: true },
  { label: "Due", cell: (i: any) => money(i.amount_remaining ?? i.amount_due, i.currency), numeric: true },
  { label: "Created", cell: (i: any) => day(i.created_at) }
]

const filterForm = (selected: string | undefined) => html`<form method="get" action="${base}/invoices" class="filters">
  <label for="status">Status</label>
  <select id="status" name="status">
    <option value="">any</option>
    ${invoiceStatuses.map((s) => html`<option value="${s}"${s === selected ? html` selected` : ""}>${s}</option>`)}
  </select>
  <button type="submit">Filter</button>
</form>`

export const invoicesPage = async ({ client, query }: PageContext): Promise<Rendered> => {
  const chosen = param(query, "status")
  const selected = invoiceStatuses.find((s) => s === chosen)
  const list = await client.get("/v1/invoices", { limit: 50, status: selected, starting_after: param(query, "starting_after") })
  return {
    title: "Invoices",
    current: "Invoices",
    body: html`${filterForm(selected)}${
      list.status === 200
        ? html`${table("Invoices", invoiceColumns(await loadNames(client, list.body.data)), list.body.data)}${nextPage(`${base}/invoices`, { status: selected }, list.body)}`
        : refusal("invoices", list)
    }`
  }
}
