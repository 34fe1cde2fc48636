/** How a collection maps onto its table: names, columns, and the JSON round trip of `data`. */
import { Effect } from "effect"
import type { CollectionSpec, Json, StoredRecord } from "@billkit/core"

export const tableOf = (spec: CollectionSpec): string => `billkit_${spec.name}`

/** The indexed columns of `record`, a missing value stored as null. */
export const indexColumns = (spec: CollectionSpec, record: StoredRecord): Record<string, string | null> => {
  const columns: Record<string, string | null> = {}
  for (const field of spec.indexed) columns[field] = record.index[field] ?? null
  return columns
}

/** Field names become column names, so only the spec's own indexed fields may reach SQL. */
export const requireIndexed = (spec: CollectionSpec, fields: Iterable<string>): Effect.Effect<void> =>
  Effect.suspend(() => {
    for (const field of fields) {
      if (!spec.indexed.includes(field)) return Effect.dieMessage(`${spec.name}: ${field} is not an indexed field`)
    }
    return Effect.void
  })

export const encodeData = (data: Json): string => JSON.stringify(data)
export const decodeData = (text: string): Json => JSON.parse(text) as Json

/**
 * An object none of whose own values is an array: worth one `JSON.stringify` for all (an array
 * deeper down is caught by the count in `encodeMany`).
 */
const isShallowObject = (data: Json): boolean => {
  if (typeof data !== "object" || data === null || Array.isArray(data)) return false
  for (const key in data) if (Array.isArray((data as Record<string, unknown>)[key])) return false
  return true
}

/**
 * The JSON texts of many records' data, the same as `encodeData` of each. V8 returns a long
 * `JSON.stringify` result as a rope of parts, which binding it as a parameter then copies flat,
 * record by record; from one `JSON.stringify` of them all, each text is a slice of one flat string
 * (a batch of 1,000 usage events: docs/performance.md, "Fewer steps and copies per batch").
 * The array's elements are objects, so `},{` falls at each boundary between them; one more (a
 * nested array of objects, a string holding those characters) and the texts are made one by one.
 */
export const encodeMany = (datas: ReadonlyArray<Json>): Array<string> => {
  if (datas.length < 2 || !datas.every(isShallowObject)) return datas.map(encodeData)
  const whole = JSON.stringify(datas)
  const texts: Array<string> = []
  let from = 1
  // Each of the n − 1 boundaries between the objects holds a `},{`: one more is a stray one.
  for (let at = whole.indexOf("},{", from); at !== -1; at = whole.indexOf("},{", from)) {
    if (texts.length === datas.length - 1) return datas.map(encodeData)
    texts.push(whole.slice(from, at + 1))
    from = at + 2
  }
  texts.push(whole.slice(from, whole.length - 1))
  return texts
}
