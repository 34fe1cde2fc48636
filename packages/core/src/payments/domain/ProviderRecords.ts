/**
 * The payment provider's bookkeeping, kept on Billkit's side: which provider customer a Billkit
 * customer is (the provider keeps the Billkit id too, in its metadata), and which inbound provider
 * events were already processed (each one once, by its id).
 */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { Timestamp, wire } from "../../kernel/Wire.js"

export const ProviderCustomer = Schema.Struct({
  /** The Billkit customer's id. */
  id: Schema.String,
  object: Schema.Literal("provider_customer"),
  provider: Schema.String,
  providerRef: wire("provider_ref", Schema.String),
  createdAt: wire("created_at", Timestamp),
  /**
   * When the provider's customer was deleted there (`customer.deleted`): the link is dead, the
   * Billkit customer is kept, and its next card makes a new provider customer.
   */
  unlinkedAt: Schema.optionalWith(Schema.NullOr(Timestamp), { default: () => null }).pipe(Schema.fromKey("unlinked_at"))
}).annotations({ identifier: "ProviderCustomer" })
export type ProviderCustomer = typeof ProviderCustomer.Type

export const ProviderEvent = Schema.Struct({
  id: Id("providerEvent"),
  object: Schema.Literal("provider_event"),
  /** `<provider>:<the provider's event id>`. */
  key: Schema.String,
  type: Schema.String,
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "ProviderEvent" })
export type ProviderEvent = typeof ProviderEvent.Type

/**
 * Which tenant a provider reference belongs to, `ref` unique across tenants:
 * `connection:<conn id>` (written with the connection) and `<provider>:<customer ref>` (written
 * with the provider customer). An inbound webhook finds its project by one lookup, not by asking
 * every project.
 */
export const ProviderRoute = Schema.Struct({
  id: Id("providerRoute"),
  object: Schema.Literal("provider_route"),
  ref: Schema.String,
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "ProviderRoute" })
export type ProviderRoute = typeof ProviderRoute.Type
