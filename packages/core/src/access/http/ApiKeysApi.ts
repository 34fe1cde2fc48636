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
      .annotate(OpenApi.Description, "A key of the calling key's project and mode. The response alone carries `secret`; only its hash is stored.")
  )
  .add(HttpApiEndpoint.get("list", "/v1/api-keys").setUrlParams(Schema.Struct(PageParams)).addSuccess(ListOf(ApiKey, "ApiKey")).annotate(OpenApi.Summary, "List API keys")
      .annotate(OpenApi.Description, "Never their secrets."))
  .add(HttpApiEndpoint.del("revoke")`/v1/api-keys/${id}`.addSuccess(ApiKey).annotate(OpenApi.Summary, "Revoke an API key"))
  .middleware(Authentication)
  .annotate(OpenApi.Title, "API keys")
  .annotate(OpenApi.Description, "Secret keys (`sk_`) for servers, publishable keys (`pk_`) for pricing pages; scopes and rate limits per key.")
{}
