/**
 * API keys: `sk_test_…`/`sk_live_…` secret keys and `pk_…` publishable keys. Only a SHA-256
 * hash is stored; the key itself is shown once, in the response that creates it.
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { NonEmptyTrimmed, Timestamp, Mode, strict, wire } from "../../kernel/Wire.js"

export const KeyType = Schema.Literal("secret", "publishable")
export type KeyType = typeof KeyType.Type

export const resources = [
  "customers", "products", "prices", "features", "plans", "metrics", "usage", "subscriptions",
  "invoices", "credit_notes", "payments", "refunds", "vouchers", "balances", "checkout", "analytics",
  "referrals", "events", "webhooks", "connections", "api_keys"
] as const

const scopePattern = new RegExp(`^(\\*|(${resources.join("|")}):(read|write))$`)
export const Scope = Schema.String.pipe(
  Schema.pattern(scopePattern, { message: () => "must be `*` or `<resource>:read|write` for a known resource" })
).annotations({ examples: ["customers:write"] })

export const RateLimitRule = Schema.Struct({
  window: Schema.Literal("second", "minute", "hour"),
  max: Schema.Int.pipe(Schema.between(1, 1_000_000))
}).annotations({ identifier: "RateLimitRule", ...strict })

export const ApiKey = Schema.Struct({
  id: Id("apiKey"),
  object: Schema.Literal("api_key"),
  name: Schema.String,
  type: KeyType,
  mode: Mode,
  scopes: Schema.Array(Schema.String),
  rateLimits: wire("rate_limits", Schema.Array(RateLimitRule)),
  /** The key's prefix and last four characters, for recognising it in a list. */
  redacted: Schema.String,
  status: Schema.Literal("active", "revoked"),
  createdAt: wire("created_at", Timestamp),
  revokedAt: wire("revoked_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "ApiKey" })
export type ApiKey = typeof ApiKey.Type

export const ApiKeyCreate = Schema.Struct({
  name: NonEmptyTrimmed(200),
  type: Schema.optionalWith(KeyType, { default: () => "secret" as const }),
  scopes: Schema.optionalWith(Schema.Array(Scope).pipe(Schema.minItems(1), Schema.maxItems(50)), {
    default: () => ["*"]
  }),
  rateLimits: Schema.optionalWith(Schema.Array(RateLimitRule).pipe(Schema.maxItems(3)), { default: () => [] }).pipe(
    Schema.fromKey("rate_limits")
  )
}).annotations({ identifier: "ApiKeyCreate", ...strict })
export type ApiKeyCreate = typeof ApiKeyCreate.Type

/** The creation response: the key record plus the secret, shown this once. */
export const ApiKeyWithSecret = Schema.extend(ApiKey, Schema.Struct({ secret: Schema.String })).annotations({
  identifier: "ApiKeyWithSecret"
})
