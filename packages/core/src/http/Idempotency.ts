/**
 * Idempotency-Key: the same key with the same request within 24 h replays the first response
 * byte for byte; a different body is a 422; a repeat while the first still runs is a 409.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect } from "effect"
import type { IdempotencyStore, StoredResponse } from "../kernel/Storage.js"
import { sha256Hex } from "../access/index.js"
import { conflict, validation, type ConflictProblem, type ValidationProblem } from "./Problems.js"

const ttlMs = 24 * 3_600_000
/** A claim older than this whose response never arrived belongs to a crashed process. */
const staleMs = 5 * 60_000
const maxKeyLength = 255

/** Replaying or storing these would be wrong: they say "try again", not "here is the result". */
const isReplayable = (status: number) => status < 500 && status !== 429

const replayedHeaders = ["content-type", "location"]

export const withIdempotency = <E, R>(
  store: IdempotencyStore,
  args: { readonly scope: string; readonly key: string; readonly method: string; readonly path: string; readonly body: string; readonly now: number },
  run: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
): Effect.Effect<HttpServerResponse.HttpServerResponse, E | ConflictProblem | ValidationProblem, R> =>
  Effect.gen(function*() {
    if (args.key.length === 0 || args.key.length > maxKeyLength) {
      return yield* Effect.fail(validation(`Idempotency-Key must be 1 to ${maxKeyLength} characters`, [
        { field: "Idempotency-Key", message: `must be 1 to ${maxKeyLength} characters` }
      ]))
    }
    const fingerprint = yield* sha256Hex(`${args.method} ${args.path}\n${args.body}`)
    const claim = yield* store.claim({
      scope: args.scope,
      key: args.key,
      fingerprint,
      now: args.now,
      expiresAt: args.now + ttlMs,
      staleBefore: args.now - staleMs
    })
    switch (claim._tag) {
      case "InFlight":
        return yield* Effect.fail(conflict("A request with this Idempotency-Key is still being processed; retry later"))
      case "Mismatch":
        return yield* Effect.fail(validation("This Idempotency-Key was used with a different request", [
          { field: "Idempotency-Key", message: "was used with a different request body or path" }
        ]))
      case "Completed":
        return replay(claim.response)
      case "Claimed":
        break
    }
    const response = yield* run.pipe(Effect.onError(() => store.release(args.scope, args.key)))
    const stored = toStored(response)
    if (stored !== undefined && isReplayable(response.status)) yield* store.complete(args.scope, args.key, stored)
    else yield* store.release(args.scope, args.key)
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

const replay = (stored: StoredResponse) =>
  HttpServerResponse.text(stored.body, {
    status: stored.status,
    contentType: stored.headers["content-type"] ?? "application/json",
    headers: { ...stored.headers, "idempotent-replayed": "true" }
  })
