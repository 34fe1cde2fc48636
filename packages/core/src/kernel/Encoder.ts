/**
 * Encoding a record to its wire JSON, memoized per record object. A command usually encodes the
 * same record twice — to store it and to put it in the event it emits — and an invoice takes
 * ~0.1 ms to encode. Records are immutable (changes make new objects), so identity is a safe key.
 */
import { Schema } from "effect"

// One encoder per schema, so a repository and an event emitter share their cache.
const encoders = new WeakMap<object, (value: any) => any>()

export const encoder = <A, I>(schema: Schema.Schema<A, I>): ((value: A) => I) => {
  const existing = encoders.get(schema)
  if (existing !== undefined) return existing
  const made = memoized(schema)
  encoders.set(schema, made)
  return made
}

const memoized = <A, I>(schema: Schema.Schema<A, I>): ((value: A) => I) => {
  const encode = Schema.encodeSync(schema)
  const cache = new WeakMap<object, I>()
  return (value) => {
    if (typeof value !== "object" || value === null) return encode(value)
    const hit = cache.get(value)
    if (hit !== undefined) return hit
    const encoded = encode(value)
    cache.set(value, encoded)
    return encoded
  }
}
