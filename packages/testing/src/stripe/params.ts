/**
 * Reading a form-encoded Stripe request body (already parsed by `qs` into nested objects and
 * strings): required and optional fields with Stripe's own error messages.
 */
import { invalidRequest, missingParam } from "./errors.js"

export type Params = Readonly<Record<string, unknown>>

export const optionalString = (params: Params, name: string): string | undefined => {
  const value = params[name]
  if (value === undefined || value === "") return undefined
  if (typeof value !== "string") throw invalidRequest(`Invalid string: ${name}`, name)
  return value
}

export const requiredString = (params: Params, name: string): string => {
  const value = optionalString(params, name)
  if (value === undefined) throw missingParam(name)
  return value
}

export const optionalInteger = (params: Params, name: string): number | undefined => {
  const value = optionalString(params, name)
  if (value === undefined) return undefined
  if (!/^-?\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${value}`, name, "parameter_invalid_integer")
  return Number(value)
}

export const requiredInteger = (params: Params, name: string): number => {
  const value = optionalInteger(params, name)
  if (value === undefined) throw missingParam(name)
  return value
}

export const optionalBoolean = (params: Params, name: string): boolean | undefined => {
  const value = optionalString(params, name)
  if (value === undefined) return undefined
  if (value !== "true" && value !== "false") throw invalidRequest(`Invalid boolean: ${value}`, name)
  return value === "true"
}

/** `metadata[key]=value` pairs; Stripe stores strings only and `metadata[key]=` unsets a key. */
export const metadataOf = (params: Params, previous: Readonly<Record<string, string>> = {}): Record<string, string> => {
  const raw = params.metadata
  if (raw === undefined) return { ...previous }
  if (raw === "") return {}
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalidRequest("Invalid object", "metadata")
  const next: Record<string, string> = { ...previous }
  for (const [key, value] of Object.entries(raw)) {
    if (value === "") delete next[key]
    else if (typeof value === "string") next[key] = value
    else throw invalidRequest(`Invalid string: metadata[${key}]`, `metadata[${key}]`)
  }
  return next
}

/** `expand[0]=latest_charge` → `["latest_charge"]`. */
export const expandOf = (params: Params): ReadonlyArray<string> => {
  const raw = params.expand
  if (raw === undefined) return []
  const values = Array.isArray(raw) ? raw : typeof raw === "object" && raw !== null ? Object.values(raw) : [raw]
  return values.filter((value): value is string => typeof value === "string")
}
