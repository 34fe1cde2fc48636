/**
 * The promise façade over the Effect client, for callers that do not use Effect: the same method
 * per operation (`client.customers.create({ payload })`), answering the decoded record or
 * rejecting with a `BillkitProblem`. It uses only `fetch`, so it runs in browsers as in Node.
 */
import { FetchHttpClient } from "@effect/platform"
import type { HttpApi, HttpApiEndpoint, HttpApiGroup } from "@effect/platform"
import { BillkitApi } from "@billkit/core"
import { Cause, Effect, Exit, Option, Schema } from "effect"
import { makeClient, type ClientOptions } from "./EffectClient.js"
import { BillkitProblem, isProblemDocument } from "./Problem.js"

type Simplify<A> = { [K in keyof A]: A[K] } & {}

type Groups = typeof BillkitApi extends HttpApi.HttpApi<any, infer G, any, any> ? G : never

/** A list's query has defaults (`limit` 50…): every parameter may be left out. */
type Request<Path, UrlParams, Payload> = Simplify<
  & ([Path] extends [void] ? {} : { readonly path: Path })
  & ([UrlParams] extends [never] ? {} : { readonly urlParams?: Partial<UrlParams> })
  & ([Payload] extends [never] ? {} : {} extends Payload ? { readonly payload?: Payload } : { readonly payload: Payload })
>

type Method<Endpoint> = Endpoint extends HttpApiEndpoint.HttpApiEndpoint<
  infer _Name, infer _Method, infer Path, infer UrlParams, infer Payload, infer _Headers, infer Success, infer _Error, infer _R, infer _RE
> ? {} extends Request<Path, UrlParams, Payload> ? (request?: Request<Path, UrlParams, Payload>) => Promise<Success>
  : (request: Request<Path, UrlParams, Payload>) => Promise<Success>
  : never

/** One property per API group, one method per operation, as in the OpenAPI document (`customers.create`). */
export type PromiseClient = {
  readonly [Group in Groups as HttpApiGroup.HttpApiGroup.Name<Group>]: Group extends
    HttpApiGroup.HttpApiGroup<any, infer Endpoints, any, any, any>
    ? { readonly [Endpoint in Endpoints as HttpApiEndpoint.HttpApiEndpoint.Name<Endpoint>]: Method<Endpoint> }
    : never
}

export interface PromiseClientOptions extends ClientOptions {
  /** The fetch to send requests with; default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch
}

/** What a list's query decodes to when nothing is given (its defaults), or nothing when it needs a value. */
const defaultsOf = (schema: Option.Option<Schema.Schema<any, any, any>>): Record<string, unknown> =>
  Option.match(schema, {
    onNone: () => ({}),
    onSome: (s) => Option.getOrElse(Schema.decodeUnknownOption(s as Schema.Schema<any, any, never>)({}), () => ({}))
  })

export const createClient = (options: PromiseClientOptions): PromiseClient => {
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const provide = <A, E>(effect: Effect.Effect<A, E, any>) =>
    effect.pipe(Effect.provide(FetchHttpClient.layer), Effect.provideService(FetchHttpClient.Fetch, fetchImpl)) as Effect.Effect<A, E>
  const client = Effect.runSync(provide(makeClient(options))) as unknown as Record<string, Record<string, (request: unknown) => Effect.Effect<unknown, unknown>>>

  const run = async (effect: Effect.Effect<unknown, unknown>) => {
    const exit = await Effect.runPromiseExit(provide(effect))
    if (Exit.isSuccess(exit)) return exit.value
    const failure = Cause.failureOption(exit.cause)
    if (Option.isSome(failure) && isProblemDocument(failure.value)) throw new BillkitProblem(failure.value)
    throw Cause.squash(exit.cause)
  }

  const facade: Record<string, Record<string, (request?: Record<string, unknown>) => Promise<unknown>>> = {}
  for (const [groupName, group] of Object.entries(BillkitApi.groups as unknown as Record<string, HttpApiGroup.HttpApiGroup.AnyWithProps>)) {
    const methods: Record<string, (request?: Record<string, unknown>) => Promise<unknown>> = {}
    for (const [name, endpoint] of Object.entries(group.endpoints as Record<string, HttpApiEndpoint.HttpApiEndpoint.AnyWithProps>)) {
      const call = client[groupName]![name]!
      const hasQuery = Option.isSome(endpoint.urlParamsSchema)
      const defaults = defaultsOf(endpoint.urlParamsSchema)
      const hasPayload = Option.isSome(endpoint.payloadSchema)
      methods[name] = (request = {}) =>
        run(call({
          ...request,
          ...(hasQuery ? { urlParams: { ...defaults, ...(request.urlParams as object | undefined) } } : {}),
          // A body whose every field is optional may be left out: `{}` is what the server reads then.
          ...(hasPayload ? { payload: request.payload ?? {} } : {})
        }))
    }
    facade[groupName] = methods
  }
  return facade as unknown as PromiseClient
}
