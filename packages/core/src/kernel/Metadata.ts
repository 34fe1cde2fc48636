/** Metadata: up to 50 string keys (≤ 40 chars each) with string values of at most 500 chars. */
import { Schema } from "effect"

export const maxKeys = 50
export const maxKeyLength = 40
export const maxValueLength = 500

const problem = (metadata: Readonly<Record<string, string>>): string | undefined => {
  const keys = Object.keys(metadata)
  if (keys.length > maxKeys) return `may have at most ${maxKeys} keys`
  for (const key of keys) {
    if (key.length === 0 || key.length > maxKeyLength) return `key "${key.slice(0, 60)}" must be 1 to ${maxKeyLength} characters`
    if (metadata[key].length > maxValueLength) return `value of "${key}" must be at most ${maxValueLength} characters`
  }
  return undefined
}

export const Metadata = Schema.Record({ key: Schema.String, value: Schema.String })
  .pipe(Schema.filter((m) => problem(m) ?? true))
  .annotations({
    identifier: "Metadata",
    description: `Up to ${maxKeys} string keys (≤ ${maxKeyLength} characters) with string values (≤ ${maxValueLength} characters).`
  })
export type Metadata = typeof Metadata.Type
