/** Features: capabilities a plan grants (`code` is what the host app checks). */
import { Schema } from "effect"
import { Id, notIdLike } from "../../kernel/Ids.js"
import { NonEmptyTrimmed, Timestamp, strict, wire } from "../../kernel/Wire.js"

/** The shape of a feature's or metric's code. */
export const LowerCode = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9][a-z0-9_.-]{0,63}$/, {
    message: () => "must be 1–64 lower-case letters, digits, '_', '.' or '-'"
  })
)

export const FeatureCode = LowerCode.pipe(notIdLike("feature")).annotations({ examples: ["api_access"] })

export const Feature = Schema.Struct({
  id: Id("feature"),
  object: Schema.Literal("feature"),
  code: Schema.String,
  name: Schema.String,
  description: Schema.NullOr(Schema.String),
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "Feature" })
export type Feature = typeof Feature.Type

const description = Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(2000))))

export const FeatureCreate = Schema.Struct({ code: FeatureCode, name: NonEmptyTrimmed(200), description }).annotations({
  identifier: "FeatureCreate",
  ...strict
})
export type FeatureCreate = typeof FeatureCreate.Type

export const FeatureUpdate = Schema.Struct({
  code: Schema.optional(FeatureCode),
  name: Schema.optional(NonEmptyTrimmed(200)),
  description
}).annotations({ identifier: "FeatureUpdate", ...strict })
export type FeatureUpdate = typeof FeatureUpdate.Type
