/**
 * The Effect client: `HttpApiClient.make` over the same `BillkitApi` declaration the server is
 * built from, so every path, parameter, body and answer is typed and decoded exactly as served.
 */
import { HttpApiClient, HttpClient, HttpClientRequest } from "@effect/platform"
import type { HttpApi } from "@effect/platform"
import { BillkitApi } from "@billkit/core"
import type { Effect } from "effect"

type Groups = typeof BillkitApi extends HttpApi.HttpApi<any, infer G, any, any> ? G : never
type ApiErrors = typeof BillkitApi extends HttpApi.HttpApi<any, any, infer E, any> ? E : never

/** The typed client: `client.customers.create({ payload })`, one method per operation of the document. */
// Named rather than inferred, so the published .d.ts refers to @billkit/core's types instead of spelling them all out.
export type BillkitClient = HttpApiClient.Client<Groups, ApiErrors, never>

export interface ClientOptions {
  /** Where the API is served: the origin plus the host's base path, e.g. `https://example.com/billing`. */
  readonly baseUrl: string
  /** A secret (`sk_…`) or publishable (`pk_…`) key, sent as `Authorization: Bearer …`. */
  readonly apiKey?: string
}

/**
 * An Effect that builds the client; it needs an `HttpClient` (`FetchHttpClient.layer` in a browser
 * or Node). Failures are the API's problem documents as classes (`NotFound`, `ValidationFailed`…),
 * or `HttpClientError`/`ParseError` when no answer, or one the document does not describe, came back.
 */
export const makeClient = (options: ClientOptions): Effect.Effect<BillkitClient, never, HttpClient.HttpClient> =>
  HttpApiClient.make(BillkitApi, {
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.apiKey === undefined ? {} : { transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(options.apiKey)) })
  })
