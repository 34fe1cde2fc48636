/**
 * API keys. The secret is made once, returned once, and stored only as its SHA-256 hash, so a
 * leaked database does not leak keys. A key's prefix says its type and mode: `sk_test_…`.
 */
import { Clock, Effect, Option, Schema } from "effect"
import type { ApiKeyCreate, KeyType } from "./domain/ApiKey.js"
import { ApiKey } from "./domain/ApiKey.js"
import { Conflict } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { Mode, Tenant } from "../kernel/Storage.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { sha256Hex } from "../kernel/Hash.js"
import { ApiKeyRecords, StoredApiKey } from "./domain/Records.js"

export const keyPattern = /^(sk|pk)_(test|live)_[A-Za-z0-9]{16,128}$/

const redact = (secret: string) => `${secret.slice(0, 8)}…${secret.slice(-4)}`

export const keyPrefix = (type: KeyType, mode: Mode) => `${type === "secret" ? "sk" : "pk"}_${mode}_`


const toPublic = ({ hash: _hash, ...key }: StoredApiKey): ApiKey => key

/** What a key resolves to when it authenticates a request. */
export interface ResolvedKey {
  readonly tenant: Tenant
  readonly key: ApiKey
}

export class ApiKeys extends Effect.Service<ApiKeys>()("@billkit/core/ApiKeys", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const storage = yield* Storage
    const repo = yield* makeRepository(ApiKeyRecords)

    const store = (secret: string, input: ApiKeyCreate) =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const key: StoredApiKey = {
          id: yield* ids.next("apiKey"),
          object: "api_key",
          name: input.name,
          type: input.type,
          mode: tenant.mode,
          scopes: input.scopes,
          rateLimits: input.rateLimits,
          redacted: redact(secret),
          status: "active",
          createdAt: yield* nowIso,
          revokedAt: null,
          hash: yield* sha256Hex(secret)
        }
        yield* repo.insert(key).pipe(Effect.mapError(() => new Conflict({ message: "This API key already exists" })))
        return toPublic(key)
      })

    /** Creates a key of the current project and mode; the response alone carries the secret. */
    const create = traced("ApiKeys.create")(function*(input: ApiKeyCreate) {
      const tenant = yield* CurrentTenant
      const secret = keyPrefix(input.type, tenant.mode) + (yield* ids.secretHex(24))
      const key = yield* store(secret, input)
      return { ...key, secret }
    })

    /**
     * Keys seen recently, by secret: most requests come from a few keys, and resolving one costs
     * a SHA-256 and a read. Entries live `cacheTtlMs`; revoking a key here drops it at once
     * (another process sharing Postgres honours a revocation within the TTL).
     */
    const cache = new Map<string, { readonly until: number; readonly value: Option.Option<ResolvedKey> }>()
    const cacheTtlMs = 2_000
    const cacheMax = 10_000

    /** The active key for a presented secret, whichever project it belongs to. */
    const resolve = (secret: string): Effect.Effect<Option.Option<ResolvedKey>> =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const hit = resolveCached(secret, now)
        if (hit !== undefined) return Effect.succeed(hit)
        return Effect.tap(lookup(secret), (value) => {
          // Unknown secrets are not cached: a key provisioned a moment later must work at once.
          if (Option.isNone(value)) return
          if (cache.size >= cacheMax) cache.clear()
          cache.set(secret, { until: now + cacheTtlMs, value })
        })
      })

    /** `resolve` from plain code when the answer is cached; undefined when it must be looked up. */
    const resolveCached = (secret: string, now: number): Option.Option<ResolvedKey> | undefined => {
      const hit = cache.get(secret)
      return hit !== undefined && hit.until > now ? hit.value : undefined
    }

    const lookup = (secret: string): Effect.Effect<Option.Option<ResolvedKey>> =>
      Effect.gen(function*() {
        if (!keyPattern.test(secret)) return Option.none()
        const found = yield* storage.findGlobal(Collections.ApiKeys, "hash", yield* sha256Hex(secret))
        if (Option.isNone(found)) return Option.none()
        const key = yield* Effect.orDie(Schema.decodeUnknown(StoredApiKey)(found.value.data))
        return key.status === "active" ? Option.some({ tenant: found.value.tenant, key: toPublic(key) }) : Option.none()
      })

    /** Stores a key the operator chose (the example server's `BILLKIT_API_KEY`), unless it exists. */
    const provision = traced("ApiKeys.provision")(function*(secret: string, name: string) {
      const existing = yield* resolve(secret)
      if (Option.isSome(existing)) return existing.value.key
      const type: KeyType = secret.startsWith("pk_") ? "publishable" : "secret"
      return yield* store(secret, { name, type, scopes: ["*"], rateLimits: [] })
    })

    const revoke = traced("ApiKeys.revoke")(function*(id: string) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const key = yield* repo.get(id, true)
          if (key.status === "revoked") return toPublic(key)
          const revoked = yield* repo.update({ ...key, status: "revoked", revokedAt: yield* nowIso }).pipe(Effect.orDie)
          cache.clear()
          return toPublic(revoked)
        })
      )
    })

    const list = traced("ApiKeys.list")(function*(page: PageRequest) {
      const result = yield* repo.list(page)
      return { ...result, data: result.data.map(toPublic) }
    })

    const get = (id: string) => Effect.map(repo.get(id), toPublic)

    return { create, provision, resolve, resolveCached, revoke, list, get } as const
  })
}) {}
