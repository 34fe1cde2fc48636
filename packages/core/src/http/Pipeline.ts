/**
 * What every request goes through before and after its handler, in this order: a request id;
 * the principal (API key or the host's authenticate function); the rate limit; Idempotency-Key
 * (claimed once the handler's `authorize` let the caller through); then the handler, with any failure rendered as a problem document. Every response carries
 * `Request-Id` and the rate-limit headers.
 */
import { HttpApiBuilder, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import type { HttpApp } from "@effect/platform"
import { Clock, Effect, Option } from "effect"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { utf8Length } from "../kernel/Utf8.js"
import { Storage } from "../kernel/Storage.js"
import { ApiKeys } from "../access/index.js"
import { sha256Hex } from "../kernel/Hash.js"
import { hostileInputProblem } from "./HostileInput.js"
import { withIdempotency } from "./Idempotency.js"
import { resolvedPrincipal, type Principal, type RateLimitRule } from "./Principal.js"
import { internalError, problemOf, problemResponse } from "./ProblemResponse.js"
import { PayloadTooLarge, payloadTooLarge, rateLimited, unauthorized } from "./Problems.js"
import { checkRateLimit, rateLimitBucket, RequestLimiter, uncountedVerdict, type RateLimitVerdict } from "./RateLimiter.js"

/** Paths anyone may read: the API's own description. */
export const publicPaths: ReadonlySet<string> = new Set(["/v1/openapi.json", "/docs"])

/** Key-less path prefixes: the provider's webhooks, authenticated by their signature instead. */
export const publicPrefixes: ReadonlyArray<string> = ["/v1/providers/stripe/webhook/"]

const isPublic = (path: string) => publicPaths.has(path) || publicPrefixes.some((prefix) => path.startsWith(prefix))

const bodyMethods = new Set(["POST", "PUT", "PATCH"])

export const bearer = (header: string | undefined) => {
  const match = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)
  return match === null ? undefined : match[1]
}

export const rateLimitHeaders = (v: RateLimitVerdict): Record<string, string> => ({
  "x-ratelimit-limit": String(v.limit),
  "x-ratelimit-remaining": String(v.remaining),
  "x-ratelimit-reset": String(v.reset)
})

/** What the pipeline takes of `billkit(options)`. */
export interface PipelineOptions {
  /** Where the host mounts the handler, normalized ("" or "/billing"): problems name the path the client called. */
  readonly basePath?: string
  readonly authenticate?: (request: Request) => Promise<Principal | null>
  readonly defaultRateLimits?: ReadonlyArray<RateLimitRule>
  readonly maxBodyBytes?: number
}

export const pipeline = (options: PipelineOptions) =>
  HttpApiBuilder.middleware(
    Effect.gen(function*() {
      const storage = yield* Storage
      const ids = yield* IdGenerator
      const apiKeys = yield* ApiKeys
      const limiter = yield* RequestLimiter
      const defaultLimits: ReadonlyArray<RateLimitRule> = options.defaultRateLimits ?? [{ window: "second", max: 100 }]
      const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024

      const authenticate = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<Option.Option<Principal>> => {
        if (options.authenticate !== undefined) {
          const web = request.source instanceof Request ? request.source : undefined
          const authenticateHost = options.authenticate
          return web === undefined
            ? Effect.succeedNone
            : Effect.map(Effect.promise(() => authenticateHost(web)), Option.fromNullable)
        }
        const secret = bearer(request.headers["authorization"])
        if (secret === undefined) return Effect.succeedNone
        return Effect.map(apiKeys.resolve(secret), Option.map(({ key, tenant }) => ({
          projectId: tenant.projectId,
          mode: tenant.mode,
          scopes: key.scopes,
          keyType: key.type,
          keyId: key.id,
          rateLimits: key.rateLimits
        })))
      }

      return (app: HttpApp.Default): HttpApp.Default<never, never> =>
        Effect.gen(function*() {
          const original = yield* HttpServerRequest.HttpServerRequest
          const requestId = yield* ids.next("request")
          const path = new URL(original.url, "http://local").pathname
          // A problem's `instance` is the path the client called, base path included.
          const instance = `${options.basePath ?? ""}${path}`
          const hasBody = bodyMethods.has(original.method)
          const extraHeaders: Record<string, string> = { "request-id": requestId }

          const renderFailures = <R>(self: Effect.Effect<HttpServerResponse.HttpServerResponse, unknown, R>) =>
            Effect.catchAllCause(self, (cause) =>
              Option.match(problemOf(cause, hasBody, original.method, path), {
                onSome: (problem) => {
                  const response = problemResponse(problem, instance, requestId)
                  const retryAfter = problem.status === 429 ? { "retry-after": extraHeaders["retry-after"] ?? "1" } : {}
                  return Effect.succeed(HttpServerResponse.setHeaders(response, retryAfter))
                },
                onNone: () =>
                  Effect.as(
                    Effect.logError("Unhandled failure", { requestId, method: original.method, path }, cause),
                    problemResponse(internalError(`Something went wrong on our side; quote request id ${requestId} when asking for help`), instance, requestId)
                  )
              }))

          const handled = Effect.gen(function*() {
            if (isPublic(path)) {
              // Key-less, so anyone may call it: its path and query are held to every route's rules
              // (a NUL byte is a 404, not a database error), its body to the size limit.
              const hostile = hostileInputProblem(original.url, "")
              if (Option.isSome(hostile)) return yield* Effect.fail(hostile.value)
              if (!hasBody) return yield* app
              const { request } = yield* withBodyRead(original, maxBodyBytes)
              return yield* Effect.provideService(app, HttpServerRequest.HttpServerRequest, request)
            }
            const principal = yield* authenticate(original)
            const now = yield* Clock.currentTimeMillis
            if (Option.isNone(principal)) {
              // RFC 9110: a 401 names its scheme; the rate-limit headers every response carries show
              // the default window, which an unknown caller does not count against.
              Object.assign(extraHeaders, rateLimitHeaders(uncountedVerdict(defaultLimits, now)), { "www-authenticate": 'Bearer realm="billkit"' })
              return yield* Effect.fail(unauthorized("Missing or unknown API key: send Authorization: Bearer sk_test_…"))
            }
            const rules = principal.value.rateLimits?.length ? principal.value.rateLimits : defaultLimits
            const bucket = rateLimitBucket(principal.value.projectId, principal.value.mode, principal.value.keyId)
            const verdict = yield* checkRateLimit(limiter, bucket, rules, now)
            Object.assign(extraHeaders, rateLimitHeaders(verdict))
            if (verdict.limited) {
              extraHeaders["retry-after"] = String(verdict.retryAfter)
              return yield* Effect.fail(rateLimited(`Rate limit of ${verdict.limit} requests exceeded; retry in ${verdict.retryAfter} s`))
            }
            // Read only for a known caller, and only up to the limit.
            const { request, text } = hasBody ? yield* withBodyRead(original, maxBodyBytes) : { request: original, text: "" }
            // Refused before any handler, alike on every backend: NUL bytes, deep nesting.
            const hostile = hostileInputProblem(original.url, text)
            if (Option.isSome(hostile)) return yield* Effect.fail(hostile.value)
            // Handlers see the limits in force: the key's own, else the project default.
            const caller = Option.some({ ...principal.value, rateLimits: rules })
            const run = Effect.provideService(Effect.locally(app, resolvedPrincipal, caller), HttpServerRequest.HttpServerRequest, request)
            const key = request.headers["idempotency-key"]
            if (original.method !== "POST" || key === undefined) return yield* renderFailures(run)
            // Looked up only once the handler has authorized the caller (see Idempotency.ts).
            return yield* withIdempotency(
              storage.idempotency,
              { scope: yield* idempotencyScope(principal.value), key, method: original.method, path, body: text, now, requestId },
              run,
              renderFailures
            )
          })

          const response = yield* renderFailures(handled)
          return HttpServerResponse.setHeaders(response, extraHeaders)
        }) as HttpApp.Default<never, never>
    }),
    { withContext: true }
  )

/**
 * Whose Idempotency-Keys these are: one API key's. A host's own principal without `keyId` is
 * told apart by everything it carries (type and scopes), so a key stored by one principal is
 * never replayed to a principal with other rights.
 */
const idempotencyScope = (principal: Principal): Effect.Effect<string> =>
  principal.keyId !== undefined
    ? Effect.succeed(`${principal.projectId}:${principal.mode}:${principal.keyId}`)
    : Effect.map(
      sha256Hex(JSON.stringify([principal.keyType, [...principal.scopes].sort()])),
      (hash) => `${principal.projectId}:${principal.mode}:host:${hash}`
    )

const decoder = new TextDecoder()

/** The bytes of `chunks`, `size` in all, in one array. */
const joined = (chunks: ReadonlyArray<Uint8Array>, size: number): Uint8Array => {
  if (chunks.length === 1) return chunks[0]!
  const bytes = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    bytes.set(chunk, offset)
    offset += chunk.length
  }
  return bytes
}

/**
 * A web request's body, counted as it streams in: `tooLarge` once past `max`, and the rest is
 * not read. One promise, where an Effect `Stream` fold took some 750 fiber steps a request.
 */
const readCounted = async (body: ReadableStream<Uint8Array>, max: number, tooLarge: PayloadTooLarge): Promise<Uint8Array> => {
  const reader = body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return joined(chunks, size)
    size += value.length
    if (size > max) {
      void reader.cancel().catch(() => undefined)
      throw tooLarge
    }
    chunks.push(value)
  }
}

/** The body as read: its text, and for a streamed body the bytes it came as. */
interface BodyRead {
  readonly text: string
  readonly bytes?: Uint8Array
}

/**
 * The body, refused with a 413 once it passes `max` bytes. A declared length is checked before
 * reading; a chunked body (no length) is counted as it streams in, so no client makes the server
 * buffer more than `max`.
 */
const readBody = (request: HttpServerRequest.HttpServerRequest, max: number): Effect.Effect<BodyRead, PayloadTooLarge> => {
  const tooLarge = payloadTooLarge(`The request body exceeds ${max} bytes`)
  const declared = request.headers["content-length"]
  if (declared !== undefined) {
    if (Number(declared) > max) return Effect.fail(tooLarge)
    return Effect.flatMap(Effect.orElseSucceed(request.text, () => ""), (text) =>
      // UTF-8 is at most 3 bytes per UTF-16 unit: only long texts need counting.
      text.length * 3 > max && utf8Length(text) > max ? Effect.fail(tooLarge) : Effect.succeed({ text }))
  }
  // Every request reaches the pipeline through `billkit().handler`, as a web `Request`.
  const body = request.source instanceof Request ? request.source.body : null
  const counted: Effect.Effect<Uint8Array, unknown> = body === null
    ? Effect.succeed(new Uint8Array(0))
    : Effect.tryPromise({ try: () => readCounted(body, max, tooLarge), catch: (cause) => cause })
  return Effect.matchEffect(counted, {
    // A body that cannot be read is an empty one; its handler says what it lacks.
    onFailure: (e) => (e instanceof PayloadTooLarge ? Effect.fail(e) : Effect.succeed({ text: "" })),
    onSuccess: (bytes) => Effect.succeed({ text: decoder.decode(bytes), bytes })
  })
}

/** The body, read once, and the request to hand on (with that body where it had to be rebuilt). */
const withBodyRead = (original: HttpServerRequest.HttpServerRequest, max: number) =>
  Effect.map(readBody(original, max), ({ bytes, text }) => ({
    text,
    request: text.trim() === ""
      ? withBody(original, "{}", "{}", "application/json") // no body means "no parameters", as `{}` would
      : bytes !== undefined
      ? withBody(original, bytes, text) // a streamed body was consumed while counting: hand on what was read
      : original // its text is cached by the request itself: handlers read it without decoding again
  }))

/**
 * The same request with `body` (already read, or `{}` for an empty one) as its body, whose text
 * is `text`. A handler reading the text gets it as it is: a second decode of a large body (a
 * usage batch) is a measurable part of its request. Its bytes and stream stay the body's, for a
 * handler that needs them raw (a signature over the payload).
 */
const withBody = (request: HttpServerRequest.HttpServerRequest, body: string | Uint8Array, text: string, contentType?: string): HttpServerRequest.HttpServerRequest => {
  const headers = new Headers(request.headers as Record<string, string>)
  if (contentType !== undefined) headers.set("content-type", contentType)
  headers.delete("content-length")
  headers.delete("transfer-encoding")
  // Keep the caller's origin (hosted page URLs are built from it when no publicUrl is set).
  const origin = /^https?:\/\//.test(request.originalUrl) ? request.originalUrl : "http://local"
  const rebuilt = HttpServerRequest.fromWeb(new Request(new URL(request.url, origin), { method: request.method, headers, body: body as BodyInit }))
  // The platform's request reads `json` (and the body schemas) through its own `text`.
  return Object.create(rebuilt, { text: { value: Effect.succeed(text) } })
}
