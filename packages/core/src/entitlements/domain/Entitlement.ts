/**
 * An entitlement check: may this customer use this feature now, and how much of it is left.
 *
 * - `no_subscription`: the customer has no live subscription (trialing, active or past due);
 * - `not_in_plan`: none of the plans of its live subscriptions grants the feature;
 * - `disabled`: a `DISABLE` usage limit of the customer is reached this period;
 * - `limit_reached`: the feature is metered (a metric has the feature's code) and this period's
 *   usage has reached the plan's limit;
 * - `ok`: allowed.
 *
 * `limit` is the highest limit any granting plan sets (null: unlimited, a plan grants the feature
 * without one); limits do not scale with seats. `used` is this period's usage of a metered
 * feature (null when the feature is not metered: the host counts such things itself);
 * `remaining` is `limit − used`, never below zero (null when either is null).
 */
import { Schema } from "effect"

export const EntitlementReason = Schema.Literal("ok", "no_subscription", "not_in_plan", "disabled", "limit_reached").annotations({
  identifier: "EntitlementReason"
})
export type EntitlementReason = typeof EntitlementReason.Type

export const EntitlementCheck = Schema.Struct({
  object: Schema.Literal("entitlement_check"),
  customer: Schema.String,
  feature: Schema.String.annotations({ description: "The feature's code." }),
  allowed: Schema.Boolean,
  reason: EntitlementReason,
  limit: Schema.NullOr(Schema.Number).annotations({ description: "The highest limit a granting plan sets; null: unlimited, or not granted." }),
  used: Schema.NullOr(Schema.Number).annotations({ description: "This period's usage of a metered feature (a metric with the feature's code); null otherwise." }),
  remaining: Schema.NullOr(Schema.Number).annotations({ description: "limit − used, at least 0; null when either is null." })
}).annotations({ identifier: "EntitlementCheck" })
export type EntitlementCheck = typeof EntitlementCheck.Type
