/**
 * Metrics: what usage events of one `code` add up to in a period (API.md §3 "Usage").
 *
 * - `count`: the number of events;
 * - `sum`, `max`: of each event's quantity;
 * - `unique_count`: distinct values of `properties[aggregation_property]`;
 * - `latest`: the quantity of the event with the latest timestamp (a late event with an earlier
 *   timestamp never replaces it; on a tie the one received last wins);
 * - `weighted_sum`: the level held over the period, weighted by time. Event quantities are
 *   increments of a held amount (+3 seats, −1 seat), like Lago's `weighted_sum`; the level at the
 *   end of a period carries into the next.
 *
 * An event's quantity is `properties[aggregation_property]` when the event carries that property
 * (a number or a decimal string), otherwise its `value` (default 1).
 *
 * Filters decide which events a metric counts at all: an `inclusive` filter keeps only events
 * whose `properties[property]` equals `value` (several inclusive filters on one property are
 * alternatives), an `exclusive` filter drops them. Values compare as strings (5 equals "5").
 */
import { Schema } from "effect"
import { LowerCode } from "./Feature.js"
import { Id, notIdLike } from "../../kernel/Ids.js"
import { NonEmptyTrimmed, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"

export const AggregationMethod = Schema.Literal("count", "sum", "max", "unique_count", "latest", "weighted_sum").annotations({
  identifier: "AggregationMethod"
})
export type AggregationMethod = typeof AggregationMethod.Type

export const MetricCode = LowerCode.pipe(notIdLike("metric")).annotations({ examples: ["api_calls"] })

export const PropertyName = Schema.String.pipe(
  Schema.minLength(1, { message: () => "must not be empty" }),
  Schema.maxLength(100, { message: () => "must be at most 100 characters" })
)

export const FilterType = Schema.Literal("inclusive", "exclusive")

export const MetricFilter = Schema.Struct({
  property: Schema.String,
  value: Schema.String,
  type: FilterType
}).annotations({ identifier: "MetricFilter" })
export type MetricFilter = typeof MetricFilter.Type

export const Metric = Schema.Struct({
  id: Id("metric"),
  object: Schema.Literal("metric"),
  code: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  aggregationMethod: wire("aggregation_method", AggregationMethod),
  aggregationProperty: wire("aggregation_property", Schema.NullOr(Schema.String)),
  filters: Schema.Array(MetricFilter),
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "Metric" })
export type Metric = typeof Metric.Type

/** A filter value may be sent as a number; it is kept as its string. */
const FilterValue = Schema.Union(
  Schema.String.pipe(Schema.maxLength(500, { message: () => "must be at most 500 characters" })),
  Schema.transform(Schema.Number.pipe(Schema.finite()), Schema.String, { strict: true, decode: String, encode: Number })
)

const FilterInput = Schema.Struct({
  property: PropertyName,
  value: FilterValue,
  type: FilterType
}).annotations({ ...strict })

const description = Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(2000))))
const filters = Schema.optional(Schema.Array(FilterInput).pipe(Schema.maxItems(20)))

export const MetricCreate = Schema.Struct({
  code: MetricCode,
  name: NonEmptyTrimmed(200),
  description,
  aggregationMethod: wire("aggregation_method", AggregationMethod),
  aggregationProperty: optionalWire("aggregation_property", Schema.NullOr(PropertyName)),
  filters
}).annotations({ identifier: "MetricCreate", ...strict })
export type MetricCreate = typeof MetricCreate.Type

/** `name` and `description` always change; the rest only while no event was recorded. */
export const MetricUpdate = Schema.Struct({
  code: Schema.optional(MetricCode),
  name: Schema.optional(NonEmptyTrimmed(200)),
  description,
  aggregationMethod: optionalWire("aggregation_method", AggregationMethod),
  aggregationProperty: optionalWire("aggregation_property", Schema.NullOr(PropertyName)),
  filters
}).annotations({ identifier: "MetricUpdate", ...strict })
export type MetricUpdate = typeof MetricUpdate.Type

/** Whether a metric counts an event with these properties (its filters, see the module note). */
export const passesFilters = (
  filters: ReadonlyArray<MetricFilter>,
  properties: Readonly<Record<string, string | number>>
): boolean => {
  if (filters.length === 0) return true
  let inclusive: Map<string, boolean> | undefined
  for (const f of filters) {
    const raw = properties[f.property]
    const equal = raw !== undefined && String(raw) === f.value
    if (f.type === "exclusive") {
      if (equal) return false
    } else {
      inclusive ??= new Map()
      inclusive.set(f.property, (inclusive.get(f.property) ?? false) || equal)
    }
  }
  if (inclusive !== undefined) for (const matched of inclusive.values()) if (!matched) return false
  return true
}
