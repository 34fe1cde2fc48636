/**
 * An invoice as an A4 PDF, laid out with pdf-lib: seller (logo, address, tax id) and buyer,
 * lines with their service periods, discounts, tax per rate, balance applied, total, amount due,
 * and when it was paid or is due, all in the customer's locale and the invoice's currency.
 *
 * pdf-lib is imported on first use, so a handler that never renders a PDF never loads it.
 */
import { BigDecimal, Effect } from "effect"
import type { PDFDocument, PDFFont, PDFImage, PDFPage } from "pdf-lib"
import { BillingConfig, type SellerDetails } from "../kernel/BillingConfig.js"
import { formatMoney } from "../kernel/Money.js"
import { Customers } from "../customers/index.js"
import type { Customer } from "../customers/domain/index.js"
import type { Invoice, InvoiceLine } from "./domain/Invoice.js"
import { Invoices } from "./Invoices.js"

export interface InvoicePdfParties {
  readonly seller: SellerDetails | null
  /** The customer as stored now; null when it was removed (the invoice still prints). */
  readonly buyer: Customer | null
  /** BCP 47 tag for amounts and dates, e.g. "de-DE". */
  readonly locale: string
}

const pageSize: [number, number] = [595.28, 841.89] // A4 in points
const margin = 48
const right = pageSize[0] - margin
const gray = { r: 0.42, g: 0.45, b: 0.5 }
const ink = { r: 0.07, g: 0.09, b: 0.15 }

const formatDate = (iso: string, locale: string): string => {
  const options = { dateStyle: "medium", timeZone: "UTC" } as const
  try {
    return new Intl.DateTimeFormat(locale, options).format(new Date(iso))
  } catch {
    return new Intl.DateTimeFormat("en", options).format(new Date(iso))
  }
}

const percent = (rate: BigDecimal.BigDecimal) => `${BigDecimal.format(BigDecimal.normalize(rate))} %`

/** Buyer block lines: who, where, which tax id. */
const buyerLines = (invoice: Invoice, buyer: Customer | null): Array<string> => {
  if (buyer === null) return [invoice.customer]
  const a = buyer.address
  const cityLine = [a.postcode, a.city].filter((part) => part !== null && part !== "").join(" ")
  return [
    buyer.name ?? buyer.email,
    a.companyName,
    a.streetLineOne,
    a.streetLineTwo,
    cityLine === "" ? null : cityLine,
    a.region,
    a.country,
    buyer.taxNumber === null ? null : `Tax id: ${buyer.taxNumber}`,
    buyer.name === null ? null : buyer.email
  ].filter((line): line is string => line !== null && line !== "")
}

const sellerLines = (seller: SellerDetails): Array<string> => [
  ...(seller.address ?? []),
  ...(seller.taxId === undefined ? [] : [`Tax id: ${seller.taxId}`]),
  ...(seller.email === undefined ? [] : [seller.email])
]

/** Tax grouped by rate: the taxable base (after discount) and the tax on it. */
const taxByRate = (lines: ReadonlyArray<InvoiceLine>) => {
  const groups = new Map<string, { rate: BigDecimal.BigDecimal; base: number; tax: number }>()
  for (const line of lines) {
    const key = BigDecimal.format(BigDecimal.normalize(line.taxRate))
    const group = groups.get(key) ?? { rate: line.taxRate, base: 0, tax: 0 }
    group.base += line.subTotal - line.discount
    group.tax += line.taxTotal
    groups.set(key, group)
  }
  return [...groups.values()].filter((group) => group.tax !== 0 || !BigDecimal.isZero(group.rate))
}

const loadImage = async (doc: PDFDocument, bytes: Uint8Array): Promise<PDFImage | null> => {
  const png = bytes[0] === 0x89 && bytes[1] === 0x50
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8
  if (png) return doc.embedPng(bytes)
  if (jpeg) return doc.embedJpg(bytes)
  return null // another format: the invoice prints without a logo rather than failing
}

export const renderInvoicePdf = async (invoice: Invoice, parties: InvoicePdfParties): Promise<Uint8Array> => {
  const { PDFDocument: Pdf, StandardFonts, rgb } = await import("pdf-lib")
  const color = (c: { r: number; g: number; b: number }) => rgb(c.r, c.g, c.b)
  // No creation/modification dates from the wall clock: the same invoice gives the same bytes.
  const doc = await Pdf.create({ updateMetadata: false })
  doc.setTitle(`Invoice ${invoice.number ?? invoice.id}`)
  const regular = await doc.embedFont(StandardFonts.Helvetica)
  const bold = await doc.embedFont(StandardFonts.HelveticaBold)
  const supported = new Set(regular.getCharacterSet())
  // The standard fonts cover WinAnsi; Intl's thin and no-break spaces become spaces, the rest "?".
  const clean = (text: string) =>
    Array.from(text.replace(/[\u00a0\u202f\u2009]/g, " "), (c) => (supported.has(c.codePointAt(0)!) ? c : "?")).join("")
  const money = (amount: number) => formatMoney(amount, invoice.currency, parties.locale)
  const date = (iso: string) => formatDate(iso, parties.locale)

  let page: PDFPage = doc.addPage(pageSize)
  let y = pageSize[1] - margin
  const text = (value: string, x: number, options: { size?: number; font?: PDFFont; align?: "left" | "right"; muted?: boolean } = {}) => {
    const size = options.size ?? 9.5
    const font = options.font ?? regular
    const s = clean(value)
    const width = font.widthOfTextAtSize(s, size)
    page.drawText(s, { x: options.align === "right" ? x - width : x, y, size, font, color: color(options.muted ? gray : ink) })
  }
  const fit = (value: string, maxWidth: number, size: number) => {
    let s = clean(value)
    if (regular.widthOfTextAtSize(s, size) <= maxWidth) return s
    while (s.length > 1 && regular.widthOfTextAtSize(`${s}…`, size) > maxWidth) s = s.slice(0, -1)
    return `${s}…`
  }
  const rule = () => page.drawLine({ start: { x: margin, y: y + 4 }, end: { x: right, y: y + 4 }, thickness: 0.6, color: color(gray) })
  const ensureRoom = (needed: number) => {
    if (y - needed >= margin + 24) return
    page = doc.addPage(pageSize)
    y = pageSize[1] - margin
  }

  // Header: logo and seller name on the left, the invoice's identity on the right.
  const top = y
  if (parties.seller?.logo !== undefined) {
    const logo = await loadImage(doc, parties.seller.logo)
    if (logo !== null) {
      const box = logo.scaleToFit(140, 48)
      page.drawImage(logo, { x: margin, y: top - box.height + 10, width: box.width, height: box.height })
      y = top - box.height - 8
    }
  }
  if (parties.seller !== null) {
    text(parties.seller.name, margin, { size: 13, font: bold })
  }
  const sellerEnd = y
  y = top
  text("Invoice", right, { size: 22, font: bold, align: "right" })
  y -= 20
  const facts: Array<[string, string]> = [
    ["Number", invoice.number ?? "Draft"],
    ["Issued", date(invoice.finalizedAt ?? invoice.createdAt)],
    ...(invoice.paidAt !== null
      ? [["Paid", date(invoice.paidAt)] as [string, string]]
      : invoice.dueDate !== null
      ? [["Due", date(invoice.dueDate)] as [string, string]]
      : []),
    ...(invoice.periodStart !== null && invoice.periodEnd !== null
      ? [["Period", `${date(invoice.periodStart)} – ${date(invoice.periodEnd)}`] as [string, string]]
      : [])
  ]
  for (const [label, value] of facts) {
    text(value, right, { align: "right" })
    text(label, right - 170, { muted: true })
    y -= 13
  }

  // Parties: From and Bill to.
  y = Math.min(y, sellerEnd) - 22
  const partiesTop = y
  if (parties.seller !== null) {
    text("From", margin, { size: 8, font: bold, muted: true })
    y -= 13
    for (const line of sellerLines(parties.seller)) {
      text(line, margin)
      y -= 12
    }
  }
  const fromEnd = y
  y = partiesTop
  const billTo = parties.seller === null ? margin : 300
  text("Bill to", billTo, { size: 8, font: bold, muted: true })
  y -= 13
  for (const line of buyerLines(invoice, parties.buyer)) {
    text(line, billTo)
    y -= 12
  }
  y = Math.min(y, fromEnd) - 20

  // Lines.
  const qtyX = 360
  const taxX = 430
  const header = () => {
    text("Description", margin, { size: 8, font: bold, muted: true })
    text("Qty", qtyX, { size: 8, font: bold, muted: true, align: "right" })
    text("Tax", taxX, { size: 8, font: bold, muted: true, align: "right" })
    text("Amount", right, { size: 8, font: bold, muted: true, align: "right" })
    y -= 8
    rule()
    y -= 12
  }
  header()
  for (const line of invoice.lines) {
    ensureRoom(line.period === null ? 16 : 26)
    page.drawText(fit(line.description, qtyX - margin - 40, 9.5), { x: margin, y, size: 9.5, font: regular, color: color(ink) })
    text(BigDecimal.format(BigDecimal.normalize(line.quantity)), qtyX, { align: "right" })
    text(percent(line.taxRate), taxX, { align: "right" })
    text(money(line.subTotal), right, { align: "right" })
    if (line.period !== null) {
      y -= 11
      text(`${date(line.period.start)} – ${date(line.period.end)}`, margin, { size: 8, muted: true })
    }
    y -= 16
  }
  y -= 2
  rule()
  y -= 12

  // Totals, right-aligned under the Amount column.
  const labelX = 300
  const totalRow = (label: string, amount: string, strong = false) => {
    ensureRoom(16)
    text(label, labelX, strong ? { font: bold, size: 11 } : {})
    text(amount, right, strong ? { font: bold, size: 11, align: "right" } : { align: "right" })
    y -= strong ? 17 : 14
  }
  totalRow("Subtotal", money(invoice.subTotal))
  for (const discount of invoice.discounts) totalRow(`Discount (${discount.code})`, money(-discount.amount))
  if (invoice.discounts.length === 0 && invoice.discountTotal !== 0) totalRow("Discount", money(-invoice.discountTotal))
  for (const group of taxByRate(invoice.lines)) {
    totalRow(`Tax ${percent(group.rate)} on ${money(group.base)}`, money(group.tax))
  }
  totalRow("Total", money(invoice.total), true)
  if (invoice.balanceApplied !== 0) {
    totalRow(invoice.balanceApplied > 0 ? "Credit balance applied" : "Outstanding balance added", money(-invoice.balanceApplied))
  }
  totalRow("Amount due", money(invoice.amountDue), true)
  if (invoice.amountPaid > 0) totalRow("Amount paid", money(-invoice.amountPaid))
  if (invoice.amountCredited > 0) totalRow("Credited", money(-invoice.amountCredited))
  if (invoice.amountPaid > 0 || invoice.amountCredited > 0) totalRow("Remaining", money(invoice.amountRemaining))
  y -= 8
  const status = invoice.status === "paid" && invoice.paidAt !== null
    ? `Paid on ${date(invoice.paidAt)}. Thank you.`
    : invoice.status === "void"
    ? "This invoice is void."
    : invoice.dueDate !== null
    ? `Please pay ${money(invoice.amountRemaining)} by ${date(invoice.dueDate)}.`
    : invoice.status === "draft"
    ? "Draft: not yet issued."
    : ""
  if (status !== "") text(status, labelX, { muted: true })

  return doc.save()
}

/** The PDF of one invoice, with the configured seller and the customer as stored now. */
export const invoicePdfOf = (invoiceId: string) =>
  Effect.gen(function*() {
    const invoice = yield* Effect.flatMap(Invoices, (invoices) => invoices.get(invoiceId))
    const customers = yield* Customers
    const buyer = yield* customers.get(invoice.customer).pipe(Effect.orElseSucceed(() => null))
    const { seller } = yield* BillingConfig
    return yield* Effect.promise(() => renderInvoicePdf(invoice, { seller, buyer, locale: buyer?.locale ?? "en" }))
  })
