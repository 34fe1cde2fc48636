import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ApiKey, ApiKeyCreate, ApiKeyWithSecret } from "../domain/ApiKey.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

export class ApiKeysGroup extends HttpApiGroup.make("apiKeys")
  .add(
    HttpApiEndpoint.post("create", "/v1/api-keys")
      .setPayload(ApiKeyCreate)
      .addSuccess(ApiKeyWithSecret, { status: 201 })
      .annotate(OpenApi.Summary, "Create an API key")
      .annotate(OpenApi.Description, "A key of the calling key's project and mode, with only scopes the calling key holds (`*` only from a `*` key; else 403 naming `scopes`). " +
        "A calling key without `*` grants rate limits no looser than those it runs under (403 naming `rate_limits`), and a new key without `rate_limits` inherits them. " +
        "The response alone carries `secret`; only its hash is stored, also for an `Idempotency-Key`: a retry with the same key and body answers 409 naming the key it created, never the secret.")
  )
  .add(HttpApiEndpoint.get("list", "/v1/api-keys").setUrlParams(Schema.Struct(PageParams)).addSuccess(ListOf(ApiKey, "ApiKey")).annotate(OpenApi.Summary, "List API keys")
      .annotate(OpenApi.Description, "Never their secrets."))
  .add(HttpApiEndpoint.del("revoke")`/v1/api-keys/${id}`.addSuccess(ApiKey).annotate(OpenApi.Summary, "Revoke an API key")
      .annotate(OpenApi.Description, "Only by a key that holds every scope of the key revoked (else 403 naming `scopes`)."))
  .middleware(Authentication)
  .annotate(OpenApi.Title, "API keys")
  .annotate(OpenApi.Description, "Secret keys (`sk_`) for servers, publishable keys (`pk_`) for pricing pages; scopes and rate limits per key.")
{}
