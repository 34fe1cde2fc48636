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
 * On SQLite most of these need no fiber at all (`answerNow`): the key is in the key cache, the
 * counters are in this process, better-sqlite3 reads synchronously, and a record stored by the
 * endpoint's own schema is already its response body. Each of those missing, `answer` runs the
 * same checks in one fiber.
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
import { RequestLimiter, checkRateLimit, checkRateLimitNow, rateLimitBucket, type RateLimitVerdict } from "./http/RateLimiter.js"
import type { RateLimitRule } from "./http/Principal.js"
import { problemResponse } from "./http/ProblemResponse.js"
import { rateLimited } from "./http/Problems.js"
import { ApiKeys } from "./access/index.js"
import { holdsScope } from "./access/domain/index.js"
import type { ApiKey } from "./access/domain/ApiKey.js"
import { IdGenerator } from "./kernel/IdGenerator.js"
import { CurrentTenant } from "./kernel/Tenancy.js"
import { encoder } from "./kernel/Encoder.js"
import { utf8Length } from "./kernel/Utf8.js"
import { TestClocks } from "./operations/index.js"
import { Customers } from "./customers/index.js"
import { Features, Metrics, Products } from "./catalog/index.js"
import { Events } from "./events/index.js"
import { Invoices } from "./invoicing/index.js"
import { Payments } from "./payments/index.js"
import { Subscriptions } from "./subscriptions/index.js"
import { Vouchers } from "./vouchers/index.js"
import { CustomerRecords } from "./customers/domain/index.js"
import { FeatureRecords, ProductRecords } from "./catalog/domain/index.js"
import { EventRecords } from "./events/domain/Records.js"
import { InvoiceRecords } from "./invoicing/domain/index.js"
import { PaymentRecords } from "./payments/domain/index.js"
import { SubscriptionRecords } from "./subscriptions/domain/index.js"
import { VoucherRecords } from "./vouchers/domain/Records.js"
import { makeRepository } from "./kernel/Repository.js"
import type { RecordDefinition } from "./kernel/Collections.js"
import type { Tenant } from "./kernel/Storage.js"

type Services = Customers | Products | Features | Metrics | Vouchers | Invoices | Events | Payments | Subscriptions

interface RetrieveRoute {
  /** The path before the id, e.g. `/v1/customers/`. */
  readonly prefix: string
  /** The scope its handler asks for: `<resource>:read`. */
  readonly resource: string
  readonly read: (id: string) => Effect.Effect<unknown, unknown, Services | CurrentTenant>
  readonly encode: (value: unknown) => unknown
  /** Set when `read` is its collection's plain keyed read: then it can be served from plain code. */
  readonly records?: RecordDefinition<{ readonly id: string }, unknown>
  /**
   * The records are stored by the very schema the endpoint answers with, so a record's stored
   * JSON is its response body, as the full stack would encode it.
   */
  readonly servesStored: boolean
}

type Groups = typeof BillkitApi.groups

/** A retrieve endpoint of the declaration, with the service call its handler makes. */
const retrieve = <G extends keyof Groups>(
  group: G,
  resource: string,
  read: (id: string) => Effect.Effect<unknown, unknown, Services | CurrentTenant>,
  records?: RecordDefinition<any, any>
): RetrieveRoute => {
  const endpoint = (BillkitApi.groups[group] as { readonly endpoints: Record<string, { readonly path: string; readonly method: string; readonly successSchema: Schema.Schema<any, any> }> }).endpoints["retrieve"]
  if (endpoint === undefined || endpoint.method !== "GET" || !endpoint.path.endsWith("/:id")) {
    throw new Error(`${String(group)}.retrieve is not a plain GET …/:id`)
  }
  return {
    prefix: endpoint.path.slice(0, -":id".length),
    resource,
    read,
    encode: encoder(endpoint.successSchema),
    records,
    servesStored: records?.schema === endpoint.successSchema
  }
}

// Where a service's `get` is its repository's, the route names the records: such a read needs
// no fiber on storage that reads synchronously (`answerNow`). fast-reads.test.ts holds both to
// the full stack's answers.
const routes: ReadonlyArray<RetrieveRoute> = [
  retrieve("customers", "customers", (id) => Effect.flatMap(Customers, (s) => s.get(id)), CustomerRecords),
  retrieve("products", "products", (id) => Effect.flatMap(Products, (s) => s.get(id)), ProductRecords),
  retrieve("features", "features", (id) => Effect.flatMap(Features, (s) => s.get(id)), FeatureRecords),
  retrieve("metrics", "metrics", (id) => Effect.flatMap(Metrics, (s) => s.get(id))),
  retrieve("vouchers", "vouchers", (id) => Effect.flatMap(Vouchers, (s) => s.get(id)), VoucherRecords),
  retrieve("invoices", "invoices", (id) => Effect.flatMap(Invoices, (s) => s.get(id)), InvoiceRecords),
  retrieve("events", "events", (id) => Effect.flatMap(Events, (s) => s.get(id)), EventRecords),
  retrieve("payments", "payments", (id) => Effect.flatMap(Payments, (s) => s.get(id)), PaymentRecords),
  retrieve("subscriptions", "subscriptions", (id) => Effect.flatMap(Subscriptions, (s) => s.get(id)), SubscriptionRecords)
]

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
 * `match` says, without any work, whether a request may take the short path; `answerNow` then
 * yields its response from plain code, with no fiber, when every piece is at hand (a cached key,
 * counters in this process, storage that reads synchronously); otherwise `answer` does the same
 * in one fiber. Either yields none when the full stack must answer.
 */
export const makeFastReads = (options: FastReadOptions) =>
  Effect.gen(function*() {
    const apiKeys = yield* ApiKeys
    const limiter = yield* RequestLimiter
    const ids = yield* IdGenerator
    const clocks = yield* TestClocks
    const clock = yield* Effect.clock
    const defaultLimits: ReadonlyArray<RateLimitRule> = options.defaultRateLimits ?? [{ window: "second", max: 100 }]
    const localLimiter = "hitNow" in limiter ? limiter : undefined
    const readersNow = new Map<RetrieveRoute, (tenant: Tenant, id: string) => Option.Option<{ readonly record: unknown; readonly text: string; readonly asStored: boolean }> | undefined>()
    for (const route of routes) {
      if (route.records !== undefined) readersNow.set(route, (yield* makeRepository(route.records)).findNow)
    }

    const match = (request: Request, path: string, search: string) =>
      request.method === "GET" && search === "" ? routeOf(path) : undefined

    const allowed = (key: ApiKey, route: RetrieveRoute) => key.type === "secret" && holdsScope(key.scopes, `${route.resource}:read`)
    const bucketOf = (tenant: Tenant, key: ApiKey) => rateLimitBucket(tenant.projectId, tenant.mode, key.id)
    const rulesOf = (key: ApiKey) => (key.rateLimits?.length ? key.rateLimits : defaultLimits)

    /** The answer once counted: 200 with the record, or 429. */
    const respond = (path: string, verdict: RateLimitVerdict, requestId: string, bodyOf: () => string): Response => {
      const headers = { "request-id": requestId, ...rateLimitHeaders(verdict) }
      if (verdict.limited) {
        const problem = rateLimited(`Rate limit of ${verdict.limit} requests exceeded; retry in ${verdict.retryAfter} s`)
        const response = problemResponse(problem, `${options.basePath}${path}`, requestId)
        return HttpServerResponse.toWeb(HttpServerResponse.setHeaders(response, { ...headers, "retry-after": String(verdict.retryAfter) }))
      }
      const body = bodyOf()
      return new Response(body, {
        status: 200,
        headers: { "content-length": String(utf8Length(body)), "content-type": "application/json", ...headers }
      })
    }

    /**
     * The answer from plain code; undefined when a piece is not at hand (a key not cached yet,
     * counters in storage, a read that must wait for a transaction): `answer` then decides.
     * A plain keyed read does not depend on time, so the tenant's test clock plays no part.
     */
    const answerNow = (request: Request, path: string, target: { readonly route: RetrieveRoute; readonly id: string }): Option.Option<Response> | undefined => {
      const readNow = readersNow.get(target.route)
      const nextId = ids.nextAt
      if (readNow === undefined || localLimiter === undefined || nextId === undefined) return undefined
      const secret = bearer(request.headers.get("authorization") ?? undefined)
      if (secret === undefined) return Option.none()
      const now = clock.unsafeCurrentTimeMillis()
      const resolved = apiKeys.resolveCached(secret, now)
      if (resolved === undefined) return undefined
      if (Option.isNone(resolved)) return Option.none()
      const { key, tenant } = resolved.value
      if (!allowed(key, target.route)) return Option.none()
      const found = readNow(tenant, target.id)
      if (found === undefined) return undefined
      if (Option.isNone(found)) return Option.none()
      // Counted only now that this path answers: a fall-through is counted once, by the pipeline.
      const verdict = checkRateLimitNow(localLimiter, bucketOf(tenant, key), rulesOf(key), now)
      const { asStored, record, text } = found.value
      const route = target.route
      return Option.some(respond(path, verdict, nextId("request", now), () => route.servesStored && asStored ? text : JSON.stringify(route.encode(record))))
    }

    const answer = (request: Request, path: string, target: { readonly route: RetrieveRoute; readonly id: string }) =>
      Effect.gen(function*() {
        const secret = bearer(request.headers.get("authorization") ?? undefined)
        if (secret === undefined) return Option.none()
        const resolved = yield* apiKeys.resolve(secret)
        if (Option.isNone(resolved)) return Option.none()
        const { key, tenant } = resolved.value
        if (!allowed(key, target.route)) return Option.none()
        // A missing record, or one that no longer decodes (a defect): the full stack answers it.
        const found = yield* clocks.withTenantClock(target.route.read(target.id)).pipe(
          Effect.provideService(CurrentTenant, tenant),
          Effect.option,
          Effect.catchAllDefect(() => Effect.succeedNone)
        )
        if (Option.isNone(found)) return Option.none()

        // Counted only now that this path answers: a fall-through is counted once, by the pipeline.
        const now = yield* Clock.currentTimeMillis
        const verdict = yield* checkRateLimit(limiter, bucketOf(tenant, key), rulesOf(key), now)
        const requestId = yield* ids.next("request")
        return Option.some(respond(path, verdict, requestId, () => JSON.stringify(target.route.encode(found.value))))
      })

    return { match, answerNow, answer } as const
  })
