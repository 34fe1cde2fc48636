/**
 * Plans: a product's prices plus the features and limits they grant, seats and trial settings.
 * A plan is addressable by id or by `code_name` wherever a plan is expected.
 */
import { Schema } from "effect"
import { FeatureCode } from "./Feature.js"
import { Id, notIdLike } from "../../kernel/Ids.js"
import { Metadata } from "../../kernel/Metadata.js"
import { integerRange, NonEmptyTrimmed, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"
import { providerLinkFields } from "../../kernel/ProviderLink.js"

export const CodeName = Schema.String.pipe(
  Schema.pattern(/^[a-z0-9][a-z0-9_.-]{0,63}$/, {
    message: () => "must be 1–64 lower-case letters, digits, '_', '.' or '-'"
  }),
  notIdLike("plan")
).annotations({ examples: ["pro_monthly"] })

export const PlanLimit = Schema.Struct({
  feature: Schema.String,
  limit: Schema.Int.pipe(Schema.nonNegative()).annotations(integerRange(0))
}).annotations({ identifier: "PlanLimit" })

export const Plan = Schema.Struct({
  id: Id("plan"),
  object: Schema.Literal("plan"),
  name: Schema.String,
  codeName: wire("code_name", Schema.String),
  product: Schema.String,
  prices: Schema.Array(Schema.String),
  features: Schema.Array(Schema.String),
  limits: Schema.Array(PlanLimit),
  perSeat: wire("per_seat", Schema.Boolean),
  userCount: wire("user_count", Schema.Int),
  hasTrial: wire("has_trial", Schema.Boolean),
  trialLengthDays: wire("trial_length_days", Schema.Int),
  isTrialStandalone: wire("is_trial_standalone", Schema.Boolean),
  free: Schema.Boolean,
  public: Schema.Boolean,
  metadata: Metadata,
  ...providerLinkFields,
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "Plan" })
export type Plan = typeof Plan.Type

/** Features and limit features may be named by id (`feat_…`) or by code. */
const FeatureRef = Schema.Union(Id("feature"), FeatureCode)

const LimitInput = Schema.Struct({
  feature: FeatureRef,
  limit: Schema.Int.pipe(Schema.nonNegative({ message: () => "must be a non-negative integer" })).annotations(integerRange(0))
}).annotations({ ...strict })

const fields = {
  prices: Schema.optional(Schema.Array(Id("price")).pipe(Schema.maxItems(50))),
  features: Schema.optional(Schema.Array(FeatureRef).pipe(Schema.maxItems(200))),
  limits: Schema.optional(Schema.Array(LimitInput).pipe(Schema.maxItems(200))),
  perSeat: optionalWire("per_seat", Schema.Boolean),
  userCount: optionalWire("user_count", Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)).annotations(integerRange(1))),
  hasTrial: optionalWire("has_trial", Schema.Boolean),
  trialLengthDays: optionalWire("trial_length_days", Schema.Int.pipe(Schema.between(0, 730)).annotations(integerRange(0, 730))),
  isTrialStandalone: optionalWire("is_trial_standalone", Schema.Boolean),
  free: Schema.optional(Schema.Boolean),
  public: Schema.optional(Schema.Boolean),
  metadata: Schema.optional(Metadata)
}

export const PlanCreate = Schema.Struct({
  name: NonEmptyTrimmed(200),
  codeName: wire("code_name", CodeName),
  product: Id("product"),
  ...fields
}).annotations({ identifier: "PlanCreate", ...strict })
export type PlanCreate = typeof PlanCreate.Type

export const PlanUpdate = Schema.Struct({
  name: Schema.optional(NonEmptyTrimmed(200)),
  codeName: optionalWire("code_name", CodeName),
  ...fields
}).annotations({ identifier: "PlanUpdate", ...strict })
export type PlanUpdate = typeof PlanUpdate.Type
