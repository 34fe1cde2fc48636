/** Customers: a searchable list, and one customer's subscriptions, invoices, payments, balance. */
import { html } from "hono/html"
import { day, money, when } from "../Format.js"
import { base, nextPage, refusal, status, table, type Html } from "../Layout.js"
import { loadNames, type Names } from "../Names.js"
import { param, type PageContext, type Rendered } from "./PageContext.js"
import { invoiceColumns } from "./Invoices.js"
import { paymentColumns } from "./Payments.js"
import { subscriptionColumns } from "./Subscriptions.js"

const customerLink = (customer: any) => html`<a href="${base}/customers/${customer.id}">${customer.name ?? customer.email ?? customer.id}</a>`

const columns = [
  { label: "Customer", cell: customerLink },
  { label: "Email", cell: (c: any) => c.email ?? "—" },
  { label: "Company", cell: (c: any) => c.address?.company_name ?? "—" },
  { label: "Status", cell: (c: any) => status(c.status) },
  { label: "Created", cell: (c: any) => day(c.created_at) }
]

// Billkit filters customers by exact email; other words are matched here, over at most this many.
const scanLimit = 1000

const matches = (customer: any, words: string) =>
  [customer.name, customer.email, customer.address?.company_name, customer.reference, customer.external_reference, customer.id]
    .some((field) => typeof field === "string" && field.toLowerCase().includes(words))

const searchForm = (q: string | undefined) => html`<form method="get" action="${base}/customers" class="search" role="search">
  <label for="q">Search customers</label>
  <input id="q" name="q" type="search" value="${q ?? ""}" placeholder="name, email, company or id" />
  <button type="submit">Search</button>
</form>`

export const customersPage = async ({ client, query }: PageContext): Promise<Rendered> => {
  const q = param(query, "q")
  const render = (body: Html): Rendered => ({ title: "Customers", current: "Customers", body: html`${searchForm(q)}${body}` })
  if (q === undefined) {
    const list = await client.get("/v1/customers", { limit: 50, starting_after: param(query, "starting_after") })
    if (list.status !== 200) return render(refusal("customers", list))
    return render(html`${table("Customers", columns, list.body.data)}${nextPage(`${base}/customers`, {}, list.body)}`)
  }
  if (/^\S+@\S+$/.test(q)) {
    const list = await client.get("/v1/customers", { email: q, limit: 50 })
    if (list.status !== 200) return render(refusal("customers", list))
    return render(html`<p class="hint">Customers with the email ${q}:</p>${table("Customers found", columns, list.body.data)}`)
  }
  const scanned = await client.listAll("/v1/customers", {}, scanLimit)
  if (scanned.status !== 200) return render(refusal("customers", { status: scanned.status, body: {} }))
  const words = q.toLowerCase()
  const found = scanned.data.filter((customer) => matches(customer, words))
  return render(
    html`<p class="hint">${found.length} customer(s) matching “${q}”${scanned.complete ? "" : ` among the first ${scanned.data.length}`}.</p>
      ${table("Customers found", columns, found)}`
  )
}

const facts = (rows: ReadonlyArray<readonly [string, unknown]>) =>
  html`<dl class="facts">${rows.map(([term, value]) => html`<div><dt>${term}</dt><dd>${value}</dd></div>`)}</dl>`

const section = (title: string, id: string, body: Html) => html`<section aria-labelledby="${id}"><h2 id="${id}">${title}</h2>${body}</section>`

const listOrRefusal = async (ctx: PageContext, what: string, path: string, render: (data: ReadonlyArray<any>, names: Names) => Html) => {
  const list = await ctx.client.get(path, { limit: 20 })
  return list.status === 200 ? render(list.body.data, await loadNames(ctx.client, list.body.data)) : refusal(what, list)
}

export const customerPage = async (ctx: PageContext, id: string): Promise<Rendered> => {
  const customer = await ctx.client.get(`/v1/customers/${encodeURIComponent(id)}`)
  if (customer.status !== 200) return { title: "Customer", current: "Customers", body: refusal("customer", customer) }
  const c = customer.body
  const [subscriptions, invoices, payments, balance] = await Promise.all([
    listOrRefusal(ctx, "subscriptions", `/v1/customers/${c.id}/subscriptions`, (rows, names) => table("Subscriptions", subscriptionColumns(names), rows)),
    listOrRefusal(ctx, "invoices", `/v1/customers/${c.id}/invoices`, (rows, names) => table("Invoices", invoiceColumns(names), rows)),
    listOrRefusal(ctx, "payments", `/v1/customers/${c.id}/payments`, (rows, names) => table("Payments", paymentColumns(names), rows)),
    ctx.client.get(`/v1/customers/${c.id}/balance`)
  ])
  const balances: ReadonlyArray<any> = balance.status === 200 ? (balance.body.balances ?? []) : []
  return {
    title: c.name ?? c.email ?? c.id,
    current: "Customers",
    body: html`${facts([
      ["Id", html`<code>${c.id}</code>`],
      ["Email", c.email ?? "—"],
      ["Status", status(c.status)],
      ["Billing", c.billing_type ?? "—"],
      ["Country", c.address?.country ?? "—"],
      ["Created", when(c.created_at)],
      ["Balance", balances.length === 0 ? "—" : balances.map((b: any) => money(b.amount, b.currency)).join(", ")]
    ])}
    ${section("Subscriptions", "subscriptions", subscriptions)}
    ${section("Invoices", "invoices", invoices)}
    ${section("Payments", "payments", payments)}`
  }
}
