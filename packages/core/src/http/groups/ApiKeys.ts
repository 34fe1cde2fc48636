import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ApiKey, ApiKeyCreate, ApiKeyWithSecret } from "../../domain/ApiKey.js"
import { Authentication } from "../Principal.js"
import { ListOf, PageParams } from "../Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

export class ApiKeysGroup extends HttpApiGroup.make("apiKeys")
  .add(
    HttpApiEndpoint.post("create", "/v1/api-keys")
      .setPayload(ApiKeyCreate)
      .addSuccess(ApiKeyWithSecret, { status: 201 })
      .annotate(OpenApi.Summary, "Create an API key of this project and mode; `secret` is shown only here")
  )
  .add(HttpApiEndpoint.get("list", "/v1/api-keys").setUrlParams(Schema.Struct(PageParams)).addSuccess(ListOf(ApiKey, "ApiKey")).annotate(OpenApi.Summary, "List API keys (never their secrets)"))
  .add(HttpApiEndpoint.del("revoke")`/v1/api-keys/${id}`.addSuccess(ApiKey).annotate(OpenApi.Summary, "Revoke an API key"))
  .middleware(Authentication)
  .annotate(OpenApi.Title, "API keys")
{}
