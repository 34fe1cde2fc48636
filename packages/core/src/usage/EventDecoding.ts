/**
 * Decoding usage events, the hot path of ingestion: `fastDecode` takes the common case without
 * the Schema, `schemaDecode` names every problem by field, and `randomParts` draws the random part
 * of a batch's ids at once.
 */
import { Either, ParseResult, Schema } from "effect"
import { encodeRandom } from "../kernel/Ids.js"
import { parseInstant } from "../kernel/Instant.js"
import { fieldPath } from "../kernel/Wire.js"
import { UsageEventInput } from "./domain/UsageEvent.js"
import { msOf } from "../kernel/Time.js"

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
