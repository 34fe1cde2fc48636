/** How the dashboard shows Billkit's wire values: money from minor units, timestamps in UTC. */

const fractionDigits = (currency: string): number => {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2
  } catch {
    return 2
  }
}

/**
 * `money(1999, "EUR")` → "€19.99", `money(500, "JPY")` → "¥500". The minor units are turned into
 * a decimal string, which Intl formats exactly (no float ever holds the amount).
 */
export const money = (amount: number | null | undefined, currency: string | null | undefined): string => {
  if (amount === null || amount === undefined || currency === null || currency === undefined) return "—"
  const digits = fractionDigits(currency)
  const sign = amount < 0 ? "-" : ""
  const units = String(Math.abs(amount)).padStart(digits + 1, "0")
  const decimal = digits === 0 ? units : `${units.slice(0, -digits)}.${units.slice(-digits)}`
  try {
    // Node ≥ 19 formats a decimal string exactly; the cast is for older lib typings.
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(`${sign}${decimal}` as unknown as number)
  } catch {
    return `${sign}${decimal} ${currency}`
  }
}

/** "2026-11-30 20:15 UTC": compact, unambiguous, the same for every operator. */
export const when = (iso: string | null | undefined): string => {
  if (iso === null || iso === undefined) return "—"
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return iso
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`
}

export const day = (iso: string | null | undefined): string =>
  iso === null || iso === undefined ? "—" : iso.slice(0, 10)
