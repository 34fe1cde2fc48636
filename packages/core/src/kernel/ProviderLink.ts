/**
 * Where a record came from when it was imported from a provider account (issue 11): the
 * connection (`conn_…`; null for records Billkit made itself, on the default provider) and the
 * provider's own ids (`{ stripe: "cus_…" }`). Optional on the wire and in storage, so records
 * stored before imports existed read as `connection: null, provider_ids: null`.
 */
import { Schema } from "effect"

export const ProviderIds = Schema.Record({ key: Schema.String, value: Schema.String }).annotations({
  identifier: "ProviderIds",
  description: "The provider's ids of this record, by provider: `{\"stripe\": \"cus_…\"}`."
})
export type ProviderIds = typeof ProviderIds.Type

export const providerLinkFields = {
  connection: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }).annotations({
    description: "The connection (`conn_…`) the record was imported from; null when Billkit made it."
  }),
  providerIds: Schema.optionalWith(Schema.NullOr(ProviderIds), { default: () => null }).pipe(Schema.fromKey("provider_ids"))
}

/** What a record made by Billkit itself carries. */
export const notImported = { connection: null, providerIds: null } as const

/**
 * The indexed columns every importable collection adds (migration 0014): `connection` for the
 * `connection=` list filter, and `provider_key` (`<connection>:<provider id>`, unique) by which a
 * re-run of an import finds the record it made before instead of adding another.
 */
export const providerLinkIndex = (record: { readonly connection: string | null; readonly providerIds: ProviderIds | null }) => {
  const stripeId = record.providerIds?.stripe
  return {
    connection: record.connection,
    provider_key: record.connection !== null && stripeId !== undefined ? providerKey(record.connection, stripeId) : null
  }
}

export const providerKey = (connection: string, providerId: string) => `${connection}:${providerId}`
