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
