/**
 * Decoding usage events, the hot path of ingestion: `fastDecode` takes the common case without
 * the Schema, `schemaDecode` names every problem by field, `precheck` applies to a batch every
 * check that needs no storage, and `randomParts` draws the random part of a batch's ids at once.
 */
import { Either, ParseResult, Schema } from "effect"
import { encodeRandom } from "../kernel/Ids.js"
import { parseInstant } from "../kernel/Instant.js"
import { fieldPath } from "../kernel/Wire.js"
import { maxEventAgeMs, maxEventLeadMs, type Rejection, UsageEventInput } from "./domain/UsageEvent.js"
import { parseScaled, unitsPerOne } from "./domain/UsageRollup.js"
import { isoAt, msOf } from "../kernel/Time.js"

const decodeInput = Schema.decodeUnknownEither(UsageEventInput)


export type Properties = Readonly<Record<string, string | number>>

const eventKeys: ReadonlySet<string> = new Set(["event_id", "customer", "subscription", "code", "value", "properties", "timestamp"])
const isRecord = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

/** An event as decoded, whichever way. */
export interface Decoded {
  readonly eventId: string
  readonly customer: string | undefined
  readonly subscription: string | undefined
  readonly code: string
  readonly value: string | number | undefined
  readonly properties: Properties | undefined
  /** Epoch ms, if given. */
  readonly timestamp: number | undefined
}

/**
 * The common case without the Schema: an event that plainly satisfies `UsageEventInput`, decoded
 * the same way; undefined lets the Schema decide (and name what is wrong). It accepts nothing the
 * Schema refuses (the usage tests hold the two to the same answers); it is only quicker.
 */
export const fastDecode = (raw: unknown): Decoded | undefined => {
  if (!isRecord(raw)) return undefined
  for (const key in raw) if (!eventKeys.has(key)) return undefined
  const { code, customer, event_id, properties, subscription, timestamp, value } = raw
  if (typeof event_id !== "string" || event_id.length === 0 || event_id.length > 255 || typeof code !== "string") return undefined
  if ((customer !== undefined && typeof customer !== "string") || (subscription !== undefined && typeof subscription !== "string")) return undefined
  if (value !== undefined && typeof value !== "string" && typeof value !== "number") return undefined
  if (properties !== undefined) {
    if (!isRecord(properties)) return undefined
    let n = 0
    for (const key in properties) {
      if (++n > 50 || key.length === 0 || key.length > 100) return undefined
      const v = properties[key]
      if (!(typeof v === "string" ? v.length <= 500 : typeof v === "number" && Number.isFinite(v))) return undefined
    }
  }
  let at: number | undefined
  if (timestamp !== undefined) {
    if (typeof timestamp !== "string" && typeof timestamp !== "number") return undefined
    at = parseInstant(timestamp)
    if (at === undefined) return undefined
  }
  return { eventId: event_id, customer, subscription, code, value, properties: properties as Properties | undefined, timestamp: at }
}

/** The Schema's way: every problem of the event, by field. */
export const schemaDecode = (raw: unknown): Either.Either<Decoded, ReadonlyArray<{ field: string; message: string }>> =>
  Either.match(decodeInput(raw), {
    onLeft: (error) =>
      Either.left(ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({ field: fieldPath(issue.path) || "body", message: issue.message }))),
    onRight: (input) =>
      Either.right({
        eventId: input.eventId,
        customer: input.customer,
        subscription: input.subscription,
        code: input.code,
        value: input.value,
        properties: input.properties,
        timestamp: input.timestamp === undefined ? undefined : msOf(input.timestamp)
      })
  })

/** The random part of `n` ids, 10 random bytes each (`bytes` holds 10 × n). */
export const randomParts = (bytes: Uint8Array, n: number): Array<string> => {
  const out: Array<string> = new Array(n)
  for (let i = 0; i < n; i++) out[i] = encodeRandom(bytes, i * 10)
  return out
}

/** An event that passed every check that needs no storage. */
export interface Checked {
  readonly index: number
  readonly eventId: string
  readonly customer: string | undefined
  readonly subscription: string | undefined
  readonly code: string
  readonly properties: Properties
  readonly timestamp: number
  /** In 10⁻¹² units. */
  readonly value: bigint
}

/** Checks that need no storage: shape, one of customer/subscription, value, timestamp bounds. */
export const precheck = (inputs: ReadonlyArray<unknown>, now: number): { rejected: Array<Rejection>; checked: Array<Checked> } => {
  const rejected: Array<Rejection> = []
  const checked: Array<Checked> = []
  inputs.forEach((raw, index) => {
    let input = fastDecode(raw)
    if (input === undefined) {
      const decoded = schemaDecode(raw)
      if (Either.isLeft(decoded)) {
        for (const problem of decoded.left) rejected.push({ index, ...problem })
        return
      }
      input = decoded.right
    }
    const before = rejected.length
    if ((input.customer === undefined) === (input.subscription === undefined)) {
      rejected.push({ index, field: "customer", message: "give exactly one of customer or subscription" })
    }
    const value = input.value === undefined ? unitsPerOne : parseScaled(input.value)
    if (value === undefined) rejected.push({ index, field: "value", message: "must be a decimal with at most 20 digits and 12 decimals" })
    const timestamp = input.timestamp ?? now
    if (timestamp < now - maxEventAgeMs) {
      rejected.push({ index, field: "timestamp", message: `is more than 35 days before now (${isoAt(now)}): usage that old can no longer be recorded` })
    } else if (timestamp > now + maxEventLeadMs) {
      rejected.push({ index, field: "timestamp", message: `is more than 5 minutes ahead of now (${isoAt(now)})` })
    }
    if (rejected.length === before) {
      checked.push({
        index,
        eventId: input.eventId,
        customer: input.customer,
        subscription: input.subscription,
        code: input.code,
        properties: input.properties ?? {},
        timestamp,
        value: value!
      })
    }
  })
  return { rejected, checked }
}
