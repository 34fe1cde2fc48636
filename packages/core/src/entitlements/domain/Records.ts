/** How entitlement versions are stored: one row per tenant, `name` "entitlements". */
import { Schema } from "effect"
import * as Collections from "../../kernel/Collections.js"

export const EntitlementVersion = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("entitlement_version"),
  name: Schema.String,
  version: Schema.Int
})
export type EntitlementVersion = typeof EntitlementVersion.Type

export const EntitlementVersionRecords = Collections.records({
  collection: Collections.EntitlementVersions,
  schema: EntitlementVersion,
  resource: "entitlement version",
  index: (v) => ({ name: v.name })
})
