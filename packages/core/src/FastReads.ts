/**
 * A short path for the most frequent request a billing API gets: an authenticated retrieve of
 * one record (`GET /v1/customers/{id}` and its kin). The full HTTP stack (the `HttpApi` web
 * handler, the pipeline's middleware, routing, path decoding) costs several times the read
 * itself, so a plain retrieve that will certainly answer 200 or 429 is answered here, in one
 * fiber, with the very checks the pipeline and `command` make: the API key (through the same
 * key cache), the key type and scope, the tenant and its test clock, the rate limit (the same
 * counters). Anything else — no key, a refused key, a missing record, a query string, a host
 * that authenticates its own callers — falls through to the full stack untouched, which then
 * answers exactly as it always did; nothing is counted twice, since the short path counts a
 * request only once it answers it.
 *
 * The routes are the `HttpApi` declaration's own endpoints (path and success schema are read
 * from it, so the OpenAPI document stays the one description); each names the service call its
 * handler makes. `packages/core/test/fast-reads.test.ts` sends every route's requests both ways
 * and requires the same answers.
 */
import { HttpServerResponse } from "@effect/platform"
import { Clock, Effect, Option, Schema } from "effect"
import { BillkitApi } from "./http/Api.js"
import { bearer, rateLimitHeaders } from "./http/Pipeline.js"
import { RequestLimiter, checkRateLimit } from "./http/RateLimiter.js"
import type { RateLimitRule } from "./http/Principal.js"
import { problemResponse } from "./http/ProblemResponse.js"
import { rateLimited } from "./http/Problems.js"
import { ApiKeys } from "./access/index.js"
import { holdsScope } from "./access/domain/index.js"
import { IdGenerator } from "./kernel/IdGenerator.js"
import { CurrentTenant } from "./kernel/Tenancy.js"
import { encoder } from "./kernel/Encoder.js"
import { TestClocks } from "./operations/index.js"
import { Customers } from "./customers/index.js"
import { Features, Metrics, Products } from "./catalog/index.js"
import { Events } from "./events/index.js"
import { Invoices } from "./invoicing/index.js"
import { Payments } from "./payments/index.js"
import { Subscriptions } from "./subscriptions/index.js"
import { Vouchers } from "./vouchers/index.js"

type Services = Customers | Products | Features | Metrics | Vouchers | Invoices | Events | Payments | Subscriptions

interface RetrieveRoute {
  /** The path before the id, e.g. `/v1/customers/`. */
  readonly prefix: string
  /** The scope its handler asks for: `<resource>:read`. */
  readonly resource: string
  readonly read: (id: string) => Effect.Effect<unknown, unknown, Services | CurrentTenant>
  readonly encode: (value: unknown) => unknown
}

type Groups = typeof BillkitApi.groups

/** A retrieve endpoint of the declaration, with the service call its handler makes. */
const retrieve = <G extends keyof Groups>(
  group: G,
  resource: string,
  read: (id: string) => Effect.Effect<unknown, unknown, Services | CurrentTenant>
): RetrieveRoute => {
  const endpoint = (BillkitApi.groups[group] as { readonly endpoints: Record<string, { readonly path: string; readonly method: string; readonly successSchema: Schema.Schema<any, any> }> }).endpoints["retrieve"]
  if (endpoint === undefined || endpoint.method !== "GET" || !endpoint.path.endsWith("/:id")) {
    throw new Error(`${String(group)}.retrieve is not a plain GET …/:id`)
  }
  return { prefix: endpoint.path.slice(0, -":id".length), resource, read, encode: encoder(endpoint.successSchema) }
}

const routes: ReadonlyArray<RetrieveRoute> = [
  retrieve("customers", "customers", (id) => Effect.flatMap(Customers, (s) => s.get(id))),
  retrieve("products", "products", (id) => Effect.flatMap(Products, (s) => s.get(id))),
  retrieve("features", "features", (id) => Effect.flatMap(Features, (s) => s.get(id))),
  retrieve("metrics", "metrics", (id) => Effect.flatMap(Metrics, (s) => s.get(id))),
  retrieve("vouchers", "vouchers", (id) => Effect.flatMap(Vouchers, (s) => s.get(id))),
  retrieve("invoices", "invoices", (id) => Effect.flatMap(Invoices, (s) => s.get(id))),
  retrieve("events", "events", (id) => Effect.flatMap(Events, (s) => s.get(id))),
  retrieve("payments", "payments", (id) => Effect.flatMap(Payments, (s) => s.get(id))),
  retrieve("subscriptions", "subscriptions", (id) => Effect.flatMap(Subscriptions, (s) => s.get(id)))
]

const utf8 = new TextEncoder()

/** Ids are prefixed ULIDs and the like; anything else (encoded bytes, dots, slashes) takes the long way. */
const plainId = /^[A-Za-z0-9_-]{1,128}$/

const routeOf = (path: string): { readonly route: RetrieveRoute; readonly id: string } | undefined => {
  for (const route of routes) {
    if (!path.startsWith(route.prefix)) continue
    const id = path.slice(route.prefix.length)
    return plainId.test(id) ? { route, id } : undefined
  }
  return undefined
}

export interface FastReadOptions {
  readonly basePath: string
  readonly defaultRateLimits?: ReadonlyArray<RateLimitRule>
}

/**
 * `match` says, without any work, whether a request may take the short path; `answer` then
 * yields its response, or none when the full stack must answer it.
 */
export const makeFastReads = (options: FastReadOptions) =>
  Effect.gen(function*() {
    const apiKeys = yield* ApiKeys
    const limiter = yield* RequestLimiter
    const ids = yield* IdGenerator
    const clocks = yield* TestClocks
    const defaultLimits: ReadonlyArray<RateLimitRule> = options.defaultRateLimits ?? [{ window: "second", max: 100 }]

    const match = (request: Request, path: string, search: string) =>
      request.method === "GET" && search === "" ? routeOf(path) : undefined

    const answer = (request: Request, path: string, target: { readonly route: RetrieveRoute; readonly id: string }) =>
      Effect.gen(function*() {
        const secret = bearer(request.headers.get("authorization") ?? undefined)
        if (secret === undefined) return Option.none()
        const resolved = yield* apiKeys.resolve(secret)
        if (Option.isNone(resolved)) return Option.none()
        const { key, tenant } = resolved.value
        if (key.type !== "secret" || !holdsScope(key.scopes, `${target.route.resource}:read`)) return Option.none()
        const found = yield* clocks.withTenantClock(target.route.read(target.id)).pipe(
          Effect.provideService(CurrentTenant, tenant),
          Effect.option
        )
        if (Option.isNone(found)) return Option.none()

        // Counted only now that this path answers: a fall-through is counted once, by the pipeline.
        const now = yield* Clock.currentTimeMillis
        const rules = key.rateLimits?.length ? key.rateLimits : defaultLimits
        const verdict = yield* checkRateLimit(limiter, `${tenant.projectId}:${tenant.mode}:${key.id}`, rules, now)
        const requestId = yield* ids.next("request")
        const headers = { "request-id": requestId, ...rateLimitHeaders(verdict) }
        if (verdict.limited) {
          const problem = rateLimited(`Rate limit of ${verdict.limit} requests exceeded; retry in ${verdict.retryAfter} s`)
          const response = problemResponse(problem, `${options.basePath}${path}`, requestId)
          return Option.some(HttpServerResponse.toWeb(HttpServerResponse.setHeaders(response, { ...headers, "retry-after": String(verdict.retryAfter) })))
        }
        const body = utf8.encode(JSON.stringify(target.route.encode(found.value)))
        return Option.some(new Response(body, {
          status: 200,
          headers: { "content-length": String(body.length), "content-type": "application/json", ...headers }
        }))
      })

    return { match, answer } as const
  })
