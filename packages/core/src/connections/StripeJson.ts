/**
 * Reading Stripe's JSON as Billkit keeps it: strings, numbers, ids of expandable fields, Unix
 * seconds as ISO instants, metadata within Billkit's limits, currencies Billkit knows.
 */
import { BigDecimal } from "effect"
import { isCurrency } from "../kernel/Currency.js"
import { isoAt } from "../kernel/Time.js"

export type Json = Record<string, unknown>

export const str = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null)
export const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null)
export const obj = (v: unknown): Json | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? v as Json : null)
export const idOf = (v: unknown): string | null => str(v) ?? str(obj(v)?.id)
export const at = (seconds: unknown): string | null => (num(seconds) === null ? null : isoAt((seconds as number) * 1000))
export const clip = (v: unknown, max: number): string | null => (str(v) === null ? null : (v as string).slice(0, max))
export const minor = (v: unknown): number => Math.max(0, Math.round(num(v) ?? 0))
export const whole = (n: number) => BigDecimal.fromBigInt(BigInt(Math.round(n)))

/** Stripe's metadata as Billkit keeps it: string values, Billkit's limits (50 keys, 40/500 characters). */
export const metadataOf = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(obj(v) ?? {}).slice(0, 50)) {
    if (key.length === 0 || key.length > 40 || value === null || value === undefined) continue
    out[key] = String(value).slice(0, 500)
  }
  return out
}

export const currencyOf = (v: unknown): string | null => {
  const code = str(v)?.toUpperCase() ?? null
  return code !== null && isCurrency(code) ? code : null
}

export const intervals = ["week", "month", "year"] as const
export type Interval = (typeof intervals)[number]
