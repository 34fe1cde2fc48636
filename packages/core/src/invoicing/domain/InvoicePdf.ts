/**
 * An invoice as a one-page PDF: number, customer, lines and totals in Helvetica. Hand-written
 * PDF 1.4 (a few objects and an xref table), so core needs no PDF dependency and runs anywhere.
 */
import { BigDecimal } from "effect"
import { formatMajor } from "../../kernel/Money.js"
import type { Invoice } from "./Invoice.js"

// The standard fonts cover Latin-1 (WinAnsi); other characters print as "?".
const pdfText = (s: string) =>
  s.replace(/[^\x20-\x7e\xa0-\xff]/g, "?").replace(/[\\()]/g, (c) => `\\${c}`)

const money = (amount: number, currency: string) => `${formatMajor(amount, currency)} ${currency}`

const contentOf = (invoice: Invoice): string => {
  const rows: Array<[number, number, number, string]> = []
  let y = 790
  const row = (x: number, size: number, text: string) => rows.push([x, y, size, text])
  row(50, 20, `Invoice ${invoice.number ?? "(draft)"}`)
  y -= 28
  row(50, 10, `Status: ${invoice.status}    Customer: ${invoice.customer}    Currency: ${invoice.currency}`)
  y -= 14
  if (invoice.periodStart !== null && invoice.periodEnd !== null) {
    row(50, 10, `Period: ${invoice.periodStart.slice(0, 10)} - ${invoice.periodEnd.slice(0, 10)}`)
    y -= 14
  }
  if (invoice.dueDate !== null) {
    row(50, 10, `Due: ${invoice.dueDate.slice(0, 10)}`)
    y -= 14
  }
  y -= 16
  row(50, 10, "Description")
  row(360, 10, "Tax")
  row(460, 10, "Total")
  y -= 16
  for (const line of invoice.lines.slice(0, 40)) {
    row(50, 9, line.description.slice(0, 60))
    row(360, 9, `${BigDecimal.format(line.taxRate)} %`)
    row(460, 9, money(line.total, invoice.currency))
    y -= 13
  }
  y -= 12
  for (const [label, amount] of [
    ["Subtotal", invoice.subTotal],
    ["Discount", -invoice.discountTotal],
    ["Tax", invoice.taxTotal],
    ["Total", invoice.total],
    ["Balance applied", -invoice.balanceApplied],
    ["Amount due", invoice.amountDue],
    ["Amount paid", invoice.amountPaid]
  ] as const) {
    row(360, 10, label)
    row(460, 10, money(amount, invoice.currency))
    y -= 14
  }
  return rows.map(([x, yy, size, text]) => `BT /F1 ${size} Tf ${x} ${yy} Td (${pdfText(text)}) Tj ET`).join("\n")
}

export const invoicePdf = (invoice: Invoice): Uint8Array => {
  const content = contentOf(invoice)
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`
  ]
  // Every character is one byte (Latin-1), so string offsets are byte offsets.
  let pdf = "%PDF-1.4\n"
  const offsets: Array<number> = []
  objects.forEach((body, i) => {
    offsets.push(pdf.length)
    pdf += `${i + 1} 0 obj\n${body}\nendobj\n`
  })
  const xref = pdf.length
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`
  for (const offset of offsets) pdf += `${String(offset).padStart(10, "0")} 00000 n \n`
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Uint8Array.from(pdf, (c) => c.charCodeAt(0))
}
