/** How API keys are stored: the one definition every repository of them is made from. */
import { Schema } from "effect"
import * as Collections from "../../kernel/Collections.js"
import { ApiKey } from "./ApiKey.js"

/** The stored form carries the secret's hash; the wire form (`ApiKey`) never does. */
export const StoredApiKey = Schema.extend(ApiKey, Schema.Struct({ hash: Schema.String }))
export type StoredApiKey = typeof StoredApiKey.Type

export const ApiKeyRecords = Collections.records({
  collection: Collections.ApiKeys,
  schema: StoredApiKey,
  resource: "api key",
  // A revoked key keeps its hash: the secret stays unusable and can never be stored again.
  index: (k) => ({ hash: k.hash, type: k.type, status: k.status })
})
