/**
 * The invoice PDF as people read it: pdftotext (poppler) extracts the amounts, parties and dates,
 * and page 1 is rendered to docs/images/invoice.png for the docs.
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Clock } from "effect"
import { describe, expect, it } from "vitest"
import { fixedClock } from "@billkit/core"
import { makeApp } from "./support.js"

const poppler = existsSync("/usr/bin/pdftotext") && existsSync("/usr/bin/pdftoppm")
const docsImages = fileURLToPath(new URL("../../../docs/images/", import.meta.url))
const logo = readFileSync(fileURLToPath(new URL("./fixture/logo.png", import.meta.url)))

const seller = {
  name: "Acme Cloud GmbH",
  address: ["Hauptstraße 1", "10115 Berlin", "Germany"],
  taxId: "DE123456789",
  email: "billing@acme.example",
  logo
}

/** A paid first invoice: a 29 € plan at 19 % tax, a 10 % voucher, 5 € of credit used. */
const paidInvoice = async (billing: Record<string, unknown> = { seller }) => {
  const { app, call, key } = await makeApp({ clock: fixedClock(Date.parse("2026-03-01T10:00:00Z"), Clock.make()), billing: billing as never })
  const customer = (await call("POST", "/v1/customers", {
    email: "ops@globex.example",
    name: "Globex Corporation",
    tax_number: "GB987654321",
    standard_tax_rate: "19",
    locale: "de-DE",
    address: { company_name: "Globex Corp.", street_line_one: "1 Main Street", city: "London", postcode: "N1 9GU", country: "GB" }
  })).json
  const product = (await call("POST", "/v1/products", { name: "Team" })).json
  const price = (await call("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })).json
  const plan = (await call("POST", "/v1/plans", { name: "Team", code_name: "team", product: product.id, prices: [price.id] })).json
  await call("POST", "/v1/vouchers", { code: "WELCOME10", type: "percentage", percentage: "10", duration: "once" })
  expect((await call("POST", `/v1/customers/${customer.id}/vouchers`, { code: "WELCOME10" })).status).toBe(201)
  await call("POST", `/v1/customers/${customer.id}/balance/adjustments`, { amount: 500, currency: "EUR" })
  const sub = await call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, card_token: "tok_visa" })
  expect(sub.status).toBe(201)
  const invoices = (await call("GET", `/v1/invoices?customer=${customer.id}`)).json.data
  expect(invoices).toHaveLength(1)
  const invoice = invoices[0]
  const response = await app.handler(new Request(`http://billkit.test/v1/invoices/${invoice.id}/pdf`, {
    headers: { authorization: `Bearer ${key}` }
  }))
  expect(response.status).toBe(200)
  expect(response.headers.get("content-type")).toBe("application/pdf")
  return { invoice, pdf: new Uint8Array(await response.arrayBuffer()) }
}

const withTempDir = <A>(f: (dir: string) => A): A => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-pdf-"))
  try {
    return f(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const textOf = (pdf: Uint8Array) =>
  withTempDir((dir) => {
    writeFileSync(join(dir, "invoice.pdf"), pdf)
    return execFileSync("pdftotext", ["-layout", join(dir, "invoice.pdf"), "-"], { encoding: "utf8" })
  })

describe.skipIf(!poppler)("invoice PDF", () => {
  it("holds the parties, the lines with their period, discount, tax per rate, balance, total and amount due", async () => {
    const { invoice, pdf } = await paidInvoice()
    expect(new TextDecoder().decode(pdf.slice(0, 5))).toBe("%PDF-")
    // 29.00; 10 % off = 2.90; 26.10 taxable; 19 % = 4.96; total 31.06; 5.00 credit → 26.06 due, paid.
    expect(invoice).toMatchObject({ sub_total: 2900, discount_total: 290, tax_total: 496, total: 3106, balance_applied: 500, amount_due: 2606, status: "paid" })
    const text = textOf(pdf)
    for (const expected of [
      "Acme Cloud GmbH", "Hauptstraße 1", "Tax id: DE123456789", "billing@acme.example",
      "Globex Corporation", "Globex Corp.", "1 Main Street", "N1 9GU London", "Tax id: GB987654321",
      invoice.number, "Team",
      "01.03.2026 – 01.04.2026", // the line's service period, in the customer's locale (de-DE)
      "29,00 €", "Discount (WELCOME10)", "-2,90 €", "Tax 19 % on 26,10 €", "4,96 €",
      "Total", "31,06 €", "Credit balance applied", "-5,00 €", "Amount due", "26,06 €",
      "Amount paid", "-26,06 €", "Paid on 01.03.2026"
    ]) expect(text).toContain(expected)
  })

  it("prints without a seller or logo, and renders page 1 to docs/images/invoice.png", async () => {
    const bare = await paidInvoice({})
    const text = textOf(bare.pdf)
    expect(text).toContain("Bill to")
    expect(text).not.toContain("From")
    expect(text).toContain("26,06 €")

    const { pdf } = await paidInvoice()
    withTempDir((dir) => {
      writeFileSync(join(dir, "invoice.pdf"), pdf)
      execFileSync("pdftoppm", ["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", join(dir, "invoice.pdf"), join(dir, "page")])
      const png = readFileSync(join(dir, "page.png"))
      expect([...png.subarray(1, 4)]).toEqual([0x50, 0x4e, 0x47]) // "PNG"
      writeFileSync(join(docsImages, "invoice.png"), png)
    })
  })
})
