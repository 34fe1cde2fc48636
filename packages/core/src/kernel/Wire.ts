/**
 * Building blocks for wire schemas: TypeScript fields are camelCase, wire fields snake_case.
 * `wire("code_name", S)` declares a field whose encoded key differs from its TypeScript name.
 */
import { BigDecimal, Schema } from "effect"

// The key is a literal type parameter: typed as plain `string`, the encoded side of every struct
// gained an index signature `[x: string]: string`, which conflicts with its non-string fields in
// the published .d.ts (TS2411 in any consumer compiling with `skipLibCheck: false`).
export const wire = <const K extends string, S extends Schema.Schema.All>(key: K, schema: S) =>
  Schema.propertySignature(schema).pipe(Schema.fromKey(key))

export const optionalWire = <const K extends string, S extends Schema.Schema.All>(key: K, schema: S) =>
  Schema.optional(schema).pipe(Schema.fromKey(key))

/**
 * Input structs reject unknown fields, like Stripe: a typo must not be silently ignored. All
 * errors are collected, so one answer names every offending field.
 */
export const strict = { parseOptions: { onExcessProperty: "error", errors: "all" } } as const

export const Timestamp = Schema.String.annotations({
  identifier: "Timestamp",
  description: "ISO 8601 UTC timestamp.",
  jsonSchema: { type: "string", format: "date-time" }
})

/**
 * How a whole-number range reads in the OpenAPI document: `type: integer` with `minimum` (and
 * `maximum`), where Effect would write an `allOf` over `Int` titled `between(0, 730)`. Goes on the
 * outermost refinement, e.g. `Schema.Int.pipe(Schema.between(0, 730)).annotations(integerRange(0, 730))`;
 * it changes the document only, never what is accepted.
 */
export const integerRange = (minimum: number, maximum?: number) => ({
  jsonSchema: { type: "integer", minimum, ...(maximum === undefined ? {} : { maximum }) }
})

export const NonEmptyTrimmed = (max: number) =>
  Schema.Trim.pipe(Schema.nonEmptyString({ message: () => "must not be empty" }), Schema.maxLength(max))

export const Email = Schema.Trim.pipe(
  Schema.maxLength(254),
  Schema.pattern(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: () => "must be an email address" })
).annotations({ identifier: "Email", examples: ["jane@example.com"] })

export const CountryCode = Schema.transform(
  Schema.String,
  Schema.String.pipe(Schema.pattern(/^[A-Z]{2}$/, { message: () => "must be an ISO 3166-1 alpha-2 country code" })),
  { strict: true, decode: (s) => s.trim().toUpperCase(), encode: (s) => s }
).annotations({ identifier: "CountryCode", examples: ["DE"] })

/** A percentage from 0 to 100 as an exact decimal; accepts "19.5" or 19.5, answers "19.5". */
const isPercent = (d: BigDecimal.BigDecimal) =>
  (BigDecimal.greaterThanOrEqualTo(d, BigDecimal.fromBigInt(0n)) &&
    BigDecimal.lessThanOrEqualTo(d, BigDecimal.fromBigInt(100n))) || "must be between 0 and 100"
export const Percent = Schema.BigDecimal.pipe(Schema.filter(isPercent)).annotations({
  identifier: "Percent",
  description: "A percentage as a decimal string, e.g. \"19.5\"."
})
export const PercentInput = Schema.Union(Schema.BigDecimal, Schema.BigDecimalFromNumber).pipe(Schema.filter(isPercent)).annotations({
  description: "A percentage, as a decimal string (\"19.5\") or a number."
})

export const Mode = Schema.Literal("test", "live")

/** `["lines", 0, "description"]` → `lines[0].description`: how problem documents name a field. */
export const fieldPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>((acc, key) => typeof key === "number" ? `${acc}[${key}]` : acc === "" ? String(key) : `${acc}.${String(key)}`, "")
