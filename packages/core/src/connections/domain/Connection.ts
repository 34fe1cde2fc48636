/**
 * A connection: a payment provider account (Stripe) that a project reads from and charges
 * through. Its secret key is checked against the provider when it is added, stored sealed
 * (kernel/SecretBox) and never shown again. A project may hold several; at most one is its
 * default, which a customer without a connection of its own belongs to.
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Timestamp, strict, wire, optionalWire } from "../../kernel/Wire.js"

export const ConnectionProvider = Schema.Literal("stripe")
export type ConnectionProvider = typeof ConnectionProvider.Type

/** What a client sees: never a key. */
export const Connection = Schema.Struct({
  id: Id("connection"),
  object: Schema.Literal("connection"),
  provider: ConnectionProvider,
  providerAccountId: wire("provider_account_id", Schema.String),
  livemode: Schema.Boolean,
  default: Schema.Boolean,
  /** The key's prefix and last four characters, to recognise it by. */
  redactedKey: wire("redacted_key", Schema.String),
  webhookSecretSet: wire("webhook_secret_set", Schema.Boolean),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Connection" })
export type Connection = typeof Connection.Type

/** What is stored: the public fields, the sealed secrets, and whether it was deleted. */
export const StoredConnection = Schema.Struct({
  ...Connection.fields,
  status: Schema.Literal("active", "deleted"),
  sealedSecretKey: wire("sealed_secret_key", Schema.String),
  sealedWebhookSecret: wire("sealed_webhook_secret", Schema.NullOr(Schema.String)),
  deletedAt: wire("deleted_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "StoredConnection" })
export type StoredConnection = typeof StoredConnection.Type

export const toPublic = (stored: StoredConnection): Connection => ({
  id: stored.id,
  object: "connection",
  provider: stored.provider,
  providerAccountId: stored.providerAccountId,
  livemode: stored.livemode,
  default: stored.default,
  redactedKey: stored.redactedKey,
  webhookSecretSet: stored.webhookSecretSet,
  createdAt: stored.createdAt
})

/** Stripe's secret (`sk_`) and restricted (`rk_`) keys, test or live. */
const SecretKey = Schema.Trim.pipe(
  Schema.pattern(/^(sk|rk)_(test|live)_[A-Za-z0-9_]{8,247}$/, {
    message: () => "must be a Stripe secret key (sk_test_…, sk_live_…) or restricted key (rk_…)"
  })
).annotations({ examples: ["sk_test_51H…"] })

const WebhookSecret = Schema.Trim.pipe(
  Schema.pattern(/^whsec_[A-Za-z0-9+/=_-]{8,250}$/, { message: () => "must be a Stripe webhook signing secret (whsec_…)" })
)

export const ConnectionCreate = Schema.Struct({
  provider: ConnectionProvider,
  secretKey: wire("secret_key", SecretKey),
  webhookSecret: optionalWire("webhook_secret", WebhookSecret),
  default: Schema.optional(Schema.Boolean)
}).annotations({ identifier: "ConnectionCreate", ...strict })
export type ConnectionCreate = typeof ConnectionCreate.Type

export const ConnectionUpdate = Schema.Struct({
  webhookSecret: optionalWire("webhook_secret", Schema.NullOr(WebhookSecret)),
  default: Schema.optional(Schema.Literal(true).annotations({ description: "Makes this the project's default connection (the previous default stops being it)." }))
}).annotations({ identifier: "ConnectionUpdate", ...strict })
export type ConnectionUpdate = typeof ConnectionUpdate.Type

export const DeletedConnection = Schema.Struct({
  id: Id("connection"),
  object: Schema.Literal("connection"),
  deleted: Schema.Literal(true)
}).annotations({ identifier: "DeletedConnection" })

/** Whether a key is for Stripe's live mode (`sk_live_`, `rk_live_`) rather than test mode. */
export const isLiveKey = (secretKey: string): boolean => /^(sk|rk)_live_/.test(secretKey)

/** `sk_test_…4242`: enough to tell keys apart, useless to anyone who reads it. */
export const redactKey = (secretKey: string): string => {
  const prefix = secretKey.slice(0, secretKey.indexOf("_", 3) + 1)
  return `${prefix}…${secretKey.slice(-4)}`
}
