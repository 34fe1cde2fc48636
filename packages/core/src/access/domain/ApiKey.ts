/**
 * API keys: `sk_test_…`/`sk_live_…` secret keys and `pk_…` publishable keys. Only a SHA-256
 * hash is stored; the key itself is shown once, in the response that creates it.
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { integerRange, NonEmptyTrimmed, Timestamp, Mode, strict, wire } from "../../kernel/Wire.js"

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
  max: Schema.Int.pipe(Schema.between(1, 1_000_000)).annotations(integerRange(1, 1_000_000))
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

/** Whether a key holding `held` has `scope`: `*` has every scope, `<resource>:write` also has `<resource>:read`. */
export const holdsScope = (held: ReadonlyArray<string>, scope: string): boolean =>
  held.includes("*") || held.includes(scope) ||
  (scope.endsWith(":read") && held.includes(`${scope.slice(0, -":read".length)}:write`))

/** The scopes of `wanted` that a key holding `held` does not have (`*` is had only by `*`). */
export const scopesBeyond = (held: ReadonlyArray<string>, wanted: ReadonlyArray<string>): Array<string> =>
  wanted.filter((scope) => (scope === "*" ? !held.includes("*") : !holdsScope(held, scope)))

/**
 * Why `wanted` is looser than `held` (the limits a creating key runs under), if it is: every
 * window of `held` needs a rule of `wanted` for the same window with a `max` no higher.
 */
export const looserRateLimits = (
  held: ReadonlyArray<typeof RateLimitRule.Type>,
  wanted: ReadonlyArray<typeof RateLimitRule.Type>
): Array<string> =>
  held.flatMap((own) => {
    const granted = wanted.filter((rule) => rule.window === own.window)
    return granted.length > 0 && granted.every((rule) => rule.max <= own.max)
      ? []
      : [`must allow at most ${own.max} per ${own.window}, as the creating key does`]
  })
