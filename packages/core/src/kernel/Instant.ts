/**
 * Instants on input: ISO 8601 (with `Z` or an offset; a bare date is midnight UTC) or Unix
 * seconds, as API.md §1 allows for time filters. Stored and answered as ISO 8601 UTC (`…Z`).
 */
import { DateTime, Option, ParseResult, Schema } from "effect"
import { isoAt } from "./Time.js"

const isoPattern = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i
const unixPattern = /^-?\d{1,12}$/
const message = "must be an ISO 8601 timestamp with a time zone (2025-01-31T12:00:00Z) or Unix seconds"

// The last string parsed and its answer: a batch of usage events mostly shares one timestamp.
let lastInput: string | undefined
let lastMs: number | undefined

/** Epoch milliseconds of an ISO 8601 string or Unix seconds (number or digits), if it is one. */
export const parseInstant = (input: string | number): number | undefined => {
  if (typeof input === "number") return Number.isSafeInteger(input) && Math.abs(input) < 1e11 ? input * 1000 : undefined
  if (input === lastInput) return lastMs
  const ms = parseInstantText(input)
  lastInput = input
  lastMs = ms
  return ms
}

const parseInstantText = (input: string): number | undefined => {
  const s = input.trim()
  if (unixPattern.test(s)) return parseInstant(Number(s))
  if (!isoPattern.test(s)) return undefined
  return Option.getOrUndefined(Option.map(DateTime.make(s.length === 10 ? `${s}T00:00:00Z` : s), DateTime.toEpochMillis))
}


/** A body field: `"2025-01-31T12:00:00Z"` or `1738324800`, decoded to an ISO 8601 UTC string. */
export const InstantInput = Schema.transformOrFail(
  Schema.Union(Schema.String, Schema.Number),
  Schema.String,
  {
    strict: true,
    decode: (input, _, ast) => {
      const ms = parseInstant(input)
      return ms === undefined ? ParseResult.fail(new ParseResult.Type(ast, input, message)) : ParseResult.succeed(isoAt(ms))
    },
    encode: ParseResult.succeed
  }
).annotations({
  identifier: "InstantInput",
  description: "An ISO 8601 timestamp with a time zone, or Unix seconds."
})

/** A query value (`from`, `to`): ISO 8601 or Unix seconds, decoded to epoch milliseconds. */
export const InstantParam = Schema.transformOrFail(Schema.String, Schema.Number, {
  strict: true,
  decode: (input, _, ast) => {
    const ms = parseInstant(input)
    return ms === undefined ? ParseResult.fail(new ParseResult.Type(ast, input, message)) : ParseResult.succeed(ms)
  },
  encode: (ms) => ParseResult.succeed(isoAt(ms))
}).annotations({ description: "ISO 8601 or Unix seconds." })
