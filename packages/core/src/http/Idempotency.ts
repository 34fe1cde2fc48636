/**
 * Idempotency-Key: the same key with the same request within 24 h replays the first response
 * byte for byte; a different body is a 422; a repeat while the first still runs is a 409.
 *
 * A key belongs to the API key that sent it (`scope`: project, mode and key id), and it is looked
 * up only once that caller is authorized for the operation (`authorize` enters the request's
 * gate), so a replay never reaches a caller who could not have made the request. Responses that
 * say "not you" (401, 403) or "try again" (429, 5xx) are never stored, and a response carrying a
 * secret is never stored in plaintext: its replay is a 409 naming what was created.
 */
import { HttpServerResponse } from "@effect/platform"
import { Cause, Effect, FiberRef, Option } from "effect"
import type { IdempotencyStore, StoredResponse } from "../kernel/Storage.js"
import { sha256Hex } from "../kernel/Hash.js"
import { problemResponse } from "./ProblemResponse.js"
import { conflict, validation, type ConflictProblem, type ValidationProblem } from "./Problems.js"

const ttlMs = 24 * 3_600_000
/** A claim older than this whose response never arrived belongs to a crashed process. */
const staleMs = 5 * 60_000
const maxKeyLength = 255

/** Replaying or storing these would be wrong: they say "not you" or "try again", not "here is the result". */
const isReplayable = (status: number) => status < 500 && status !== 429 && status !== 401 && status !== 403

const replayedHeaders = ["content-type", "location"]

/**
 * One request's Idempotency-Key, waiting for its caller to be authorized. `enter` claims the key
 * (once per request); a replay, a mismatch or a key in flight ends the request there.
 */
export interface IdempotencyGate {
  readonly enter: Effect.Effect<void>
}

/** Set by the pipeline for a POST with an Idempotency-Key, for the duration of that request. */
export const currentIdempotency = FiberRef.unsafeMake<Option.Option<IdempotencyGate>>(Option.none())

/** Called by `authorize` once the caller may make the request: claims the request's key, if any. */
export const enterIdempotency: Effect.Effect<void> = Effect.flatMap(FiberRef.get(currentIdempotency), Option.match({
  onNone: () => Effect.void,
  onSome: (gate) => gate.enter
}))

/** How a gate ends a request early: with the stored response, or a problem. Never seen outside this module. */
class Stop {
  constructor(readonly outcome: Effect.Effect<HttpServerResponse.HttpServerResponse, ConflictProblem | ValidationProblem>) {}
}

const stopOf = (cause: Cause.Cause<unknown>) =>
  Option.filter(Cause.dieOption(cause), (d): d is Stop => d instanceof Stop)

export const withIdempotency = <E, R, E2, R2>(
  store: IdempotencyStore,
  args: {
    readonly scope: string
    readonly key: string
    readonly method: string
    readonly path: string
    readonly body: string
    readonly now: number
    readonly requestId: string
  },
  run: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>,
  /** Turns the request's failures into problem responses (these are stored too, unless 401/403/429/5xx). */
  render: (
    self: Effect.Effect<HttpServerResponse.HttpServerResponse, E | ConflictProblem | ValidationProblem, R>
  ) => Effect.Effect<HttpServerResponse.HttpServerResponse, E2, R2>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E2 | ValidationProblem, R2> =>
  Effect.gen(function*() {
    if (args.key.length === 0 || args.key.length > maxKeyLength) {
      return yield* Effect.fail(validation(`Idempotency-Key must be 1 to ${maxKeyLength} characters`, [
        { field: "Idempotency-Key", message: `must be 1 to ${maxKeyLength} characters` }
      ]))
    }
    const fingerprint = yield* sha256Hex(`${args.method} ${args.path}\n${args.body}`)
    let entered = false
    let claimed = false
    const gate: IdempotencyGate = {
      enter: Effect.suspend(() => {
        if (entered) return Effect.void
        entered = true
        return Effect.flatMap(store.claim({
          scope: args.scope,
          key: args.key,
          fingerprint,
          now: args.now,
          expiresAt: args.now + ttlMs,
          staleBefore: args.now - staleMs
        }), (claim) => {
          switch (claim._tag) {
            case "Claimed":
              claimed = true
              return Effect.void
            case "InFlight":
              return Effect.die(new Stop(Effect.fail(conflict("A request with this Idempotency-Key is still being processed; retry later"))))
            case "Mismatch":
              return Effect.die(new Stop(Effect.fail(validation("This Idempotency-Key was used with a different request", [
                { field: "Idempotency-Key", message: "was used with a different request body or path" }
              ]))))
            case "Completed":
              return Effect.die(new Stop(Effect.succeed(replay(claim.response))))
          }
        })
      })
    }
    const release = Effect.suspend(() => (claimed ? store.release(args.scope, args.key) : Effect.void))
    const gated = run.pipe(
      Effect.locally(currentIdempotency, Option.some(gate)),
      Effect.catchAllCause((cause): Effect.Effect<HttpServerResponse.HttpServerResponse, E | ConflictProblem | ValidationProblem> =>
        Option.match(stopOf(cause), { onNone: () => Effect.failCause(cause), onSome: (stop) => stop.outcome }))
    )
    const response = yield* render(gated).pipe(Effect.onError(() => release))
    if (!claimed) return response
    const stored = toStored(response)
    if (stored !== undefined && isReplayable(response.status)) {
      yield* store.complete(args.scope, args.key, withoutSecret(stored, args.path, args.requestId))
    } else yield* release
    return response
  })

const decoder = new TextDecoder()

const toStored = (response: HttpServerResponse.HttpServerResponse): StoredResponse | undefined => {
  const body = response.body
  const text = body._tag === "Uint8Array" ? decoder.decode(body.body) : body._tag === "Empty" ? "" : undefined
  if (text === undefined) return undefined
  const headers: Record<string, string> = {}
  for (const name of replayedHeaders) {
    const value = response.headers[name] ?? (name === "content-type" && body._tag === "Uint8Array" ? body.contentType : undefined)
    if (value !== undefined) headers[name] = value
  }
  return { status: response.status, headers, body: text }
}

/**
 * A response that shows a secret once (an API key's `secret`) is not kept: what is stored, and
 * replayed, is a 409 saying what this Idempotency-Key created, so a retry neither creates a
 * second one nor gets the secret back from storage.
 */
const withoutSecret = (stored: StoredResponse, path: string, requestId: string): StoredResponse => {
  const parsed = parseObject(stored.body)
  if (parsed === undefined || !("secret" in parsed)) return stored
  const what = typeof parsed.object === "string" ? parsed.object.replace(/_/g, " ") : "object"
  const id = typeof parsed.id === "string" ? ` ${parsed.id}` : ""
  const message = `already created ${what}${id}, whose secret was shown once and is not kept`
  return toStored(problemResponse(
    conflict(
      `This Idempotency-Key ${message}. Use that secret, or revoke it and create a new one with a new Idempotency-Key.`,
      [{ field: "Idempotency-Key", message }]
    ),
    path,
    requestId
  ))!
}

const parseObject = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

const replay = (stored: StoredResponse) =>
  HttpServerResponse.text(stored.body, {
    status: stored.status,
    contentType: stored.headers["content-type"] ?? "application/json",
    headers: { ...stored.headers, "idempotent-replayed": "true" }
  })
