/** Query parameters and envelopes shared by every list endpoint. */
import { Effect, Schema } from "effect"
import { badRequest, type BadRequest } from "./Problems.js"
import type { Page, PageRequest } from "../kernel/Page.js"
import { integerRange, optionalWire, wire } from "../kernel/Wire.js"
import { Id } from "../kernel/Ids.js"
import { Invalid } from "../kernel/Errors.js"

/** `connection=conn_…`: only records imported from that connection (issue 11: reading across accounts). */
export const ConnectionParam = {
  connection: Schema.optional(Id("connection").annotations({ description: "Only records imported from this connection (`conn_…`)." }))
}

/** `from` after `to` selects nothing by mistake: refused, naming `from`. */
export const checkRange = (range: { readonly from?: number | undefined; readonly to?: number | undefined }): Effect.Effect<void, Invalid> =>
  range.from !== undefined && range.to !== undefined && range.from > range.to
    ? Effect.fail(new Invalid({ field: "from", message: "must not be after `to`" }))
    : Effect.void

export const PageParams = {
  limit: Schema.optionalWith(
    Schema.NumberFromString.pipe(Schema.int(), Schema.between(1, 100, { message: () => "must be an integer from 1 to 100" }))
      .annotations({ jsonSchema: { ...integerRange(1, 100).jsonSchema, default: 50 } }),
    { default: () => 50 }
  ),
  startingAfter: optionalWire("starting_after", Schema.String.annotations({ description: "An id: the page after it." })),
  endingBefore: optionalWire("ending_before", Schema.String.annotations({ description: "An id: the page before it." })),
  includeTotal: Schema.optionalWith(Schema.BooleanFromString, { default: () => false }).pipe(Schema.fromKey("include_total"))
}

export const Expand = {
  expand: Schema.optional(Schema.String.annotations({ description: "Comma-separated fields to inline, e.g. `product,prices`." }))
}

export const ListOf = <A, I, R>(item: Schema.Schema<A, I, R>, name: string) =>
  Schema.Struct({
    object: Schema.Literal("list"),
    data: Schema.Array(item),
    hasMore: wire("has_more", Schema.Boolean),
    nextCursor: wire("next_cursor", Schema.NullOr(Schema.String)),
    total: Schema.optional(Schema.Int)
  }).annotations({ identifier: `${name}List` })

export const toPageRequest = (p: {
  readonly limit: number
  readonly startingAfter?: string | undefined
  readonly endingBefore?: string | undefined
  readonly includeTotal: boolean
}): Effect.Effect<PageRequest, BadRequest> =>
  p.startingAfter !== undefined && p.endingBefore !== undefined
    ? Effect.fail(badRequest("Use starting_after or ending_before, not both", [
      { field: "ending_before", message: "cannot be combined with starting_after" }
    ]))
    : Effect.succeed({
      limit: p.limit,
      ...(p.startingAfter !== undefined ? { startingAfter: p.startingAfter } : {}),
      ...(p.endingBefore !== undefined ? { endingBefore: p.endingBefore } : {}),
      includeTotal: p.includeTotal
    })

export const toList = <A>(page: Page<A>) => ({
  object: "list" as const,
  data: page.data,
  hasMore: page.hasMore,
  nextCursor: page.nextCursor,
  ...(page.total === undefined ? {} : { total: page.total })
})
