/** CSV as RFC 4180 writes it: CRLF line ends, fields quoted when they hold a comma, quote, CR or LF. */
import { minorUnitExponent } from "../../kernel/Currency.js"

export type Cell = string | number | boolean | null

const needsQuotes = /[",\r\n]/

export const csvField = (value: Cell): string => {
  if (value === null) return ""
  const text = String(value)
  return needsQuotes.test(text) ? `"${text.replaceAll("\"", "\"\"")}"` : text
}

export const csvRow = (cells: ReadonlyArray<Cell>): string => `${cells.map(csvField).join(",")}\r\n`

/** Minor units as a decimal in the currency's units, every decimal written: 1050 EUR → "10.50", 5 JPY → "5". */
export const decimalOf = (minor: number, currency: string): string => {
  const exponent = minorUnitExponent(currency)
  const sign = minor < 0 ? "-" : ""
  const digits = String(Math.abs(minor)).padStart(exponent + 1, "0")
  return exponent === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`
}
