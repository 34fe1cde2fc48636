/** Payments: what was charged, to whom, and how it went. */
import { html } from "hono/html"
import { money, when } from "../Format.js"
import { base, nextPage, refusal, status, table } from "../Layout.js"
import { customerLink, loadNames, type Names } from "../Names.js"
import { param, type PageContext, type Rendered } from "./PageContext.js"

export const paymentColumns = (names: Names) => [
  { label: "Payment", cell: (p: any) => html`<code>${p.id}</code>` },
  { label: "Customer", cell: (p: any) => customerLink(names, p.customer) },
  { label: "Invoice", cell: (p: any) => (p.invoice === null || p.invoice === undefined ? "—" : html`<code>${p.invoice}</code>`) },
  { label: "Status", cell: (p: any) => status(p.status) },
  { label: "Amount", cell: (p: any) => money(p.amount, p.currency), numeric: true },
  { label: "Refunded", cell: (p: any) => (p.amount_refunded > 0 ? money(p.amount_refunded, p.currency) : "—"), numeric: true },
  { label: "Failure", cell: (p: any) => p.failure_message ?? p.failure_code ?? "—" },
  { label: "Created", cell: (p: any) => when(p.created_at) }
]

export const paymentsPage = async ({ client, query }: PageContext): Promise<Rendered> => {
  const list = await client.get("/v1/payments", { limit: 50, starting_after: param(query, "starting_after") })
  return {
    title: "Payments",
    current: "Payments",
    body: list.status === 200 ? html`${table("Payments", paymentColumns(await loadNames(client, list.body.data)), list.body.data)}${nextPage(`${base}/payments`, {}, list.body)}` : refusal("payments", list)
  }
}
