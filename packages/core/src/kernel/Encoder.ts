/**
 * A record schema's codec, memoized per object. A command usually encodes the same record twice —
 * to store it and to put it in the event it emits — and an invoice takes ~0.1 ms to encode; the
 * billing loop's batches read the same stored row in several steps, and read back rows they have
 * just written. Records and their stored JSON are immutable (changes make new objects), so
 * identity is a safe key: decoding a JSON object this codec made answers the record it was made
 * from, and one decoded before answers the same record, without running the schema again.
 */
import { Either, Schema } from "effect"
import type { ParseError } from "effect/ParseResult"
import { compile, defaultsFilled, Fail, Unknown } from "./CompiledCodec.js"

interface Codec<A, I> {
  readonly encode: (value: A) => I
  readonly decode: (json: unknown) => Either.Either<A, ParseError>
}

// One codec per schema, so a repository and an event emitter share their cache.
const codecs = new WeakMap<object, Codec<any, any>>()

const codecOf = <A, I>(schema: Schema.Schema<A, I>): Codec<A, I> => {
  const existing = codecs.get(schema)
  if (existing !== undefined) return existing
  const made = memoized(schema)
  codecs.set(schema, made)
  return made
}

/** `schema`'s encoder, memoized per record object. */
export const encoder = <A, I>(schema: Schema.Schema<A, I>): ((value: A) => I) => codecOf(schema).encode

/**
 * `schema`'s decoder of stored JSON, memoized per JSON object: the record a JSON object was
 * encoded from, or decoded to before, is answered as it is.
 */
export const decoder = <A, I>(schema: Schema.Schema<A, I>): ((json: unknown) => Either.Either<A, ParseError>) => codecOf(schema).decode

/**
 * `schema`'s decoder of freshly read stored JSON, for a caller that would serve that JSON as it
 * is: the record, and whether encoding it gives back the same JSON (not when decoding filled a
 * default: a row written before the key existed). Undefined where the compiled decoder cannot
 * answer (a failure, an effectful step): the caller then takes its usual path.
 */
export const storedDecoder = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = compile(schema.ast, true)
  return (json: unknown): { readonly record: A; readonly asStored: boolean } | undefined => {
    const before = defaultsFilled.count
    const record = decode(json)
    if (record === Fail || record === Unknown) return undefined
    return { record: record as A, asStored: defaultsFilled.count === before }
  }
}

const memoized = <A, I>(schema: Schema.Schema<A, I>): Codec<A, I> => {
  // The compiled functions answer what the schema would; where they cannot (a failure, whose
  // error only the interpreter writes, or an effectful step), the interpreter runs.
  const fastEncode = compile(schema.ast, false)
  const fastDecode = compile(schema.ast, true)
  const interpretedEncode = Schema.encodeSync(schema)
  const interpretedDecode = Schema.decodeUnknownEither(schema)
  const encodeSync = (value: A): I => {
    const json = fastEncode(value)
    return json === Fail || json === Unknown ? interpretedEncode(value) : json as I
  }
  const decodeEither = (json: unknown): Either.Either<A, ParseError> => {
    const value = fastDecode(json)
    return value === Fail || value === Unknown ? interpretedDecode(json) : Either.right(value as A)
  }
  const encoded = new WeakMap<object, I>()
  const decoded = new WeakMap<object, Either.Either<A, ParseError>>()
  const encode = (value: A): I => {
    if (typeof value !== "object" || value === null) return encodeSync(value)
    const hit = encoded.get(value)
    if (hit !== undefined) return hit
    const json = encodeSync(value)
    encoded.set(value, json)
    if (typeof json === "object" && json !== null) decoded.set(json, Either.right(value))
    return json
  }
  const decode = (json: unknown): Either.Either<A, ParseError> => {
    if (typeof json !== "object" || json === null) return decodeEither(json)
    const hit = decoded.get(json)
    if (hit !== undefined) return hit
    const result = decodeEither(json)
    if (Either.isRight(result)) decoded.set(json, result)
    return result
  }
  return { encode, decode }
}
