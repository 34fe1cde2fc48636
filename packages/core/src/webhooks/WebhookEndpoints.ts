/**
 * Webhook endpoints: where events go. The signing secret (`whsec_` + 24 random bytes, the
 * Standard Webhooks format) is shown once, at creation and rotation, and stored sealed by the
 * SecretBox; a rotation keeps the old secret signing for 24 h so receivers can switch over.
 */
import { Clock, Effect, Encoding } from "effect"
import { Events } from "../events/index.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { SecretBox } from "../kernel/SecretBox.js"
import { isoAt, msOf } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { NotFound } from "../kernel/Errors.js"
import { encoder } from "../kernel/Encoder.js"
import { checkUrl } from "./AddressGuard.js"
import { WebhookEndpointRecords } from "./domain/Records.js"
import { WebhookEndpoint as WebhookEndpointSchema } from "./domain/WebhookEndpoint.js"
import type {
  SealedSecret,
  StoredWebhookEndpoint,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointUpdate,
  WebhookEndpointWithSecret
} from "./domain/WebhookEndpoint.js"

/** How long an old secret keeps signing after a rotation. */
export const rotationOverlapMs = 24 * 60 * 60 * 1000

/** The endpoint as the API shows it: no secrets, no bookkeeping. */
export const viewOf = (e: StoredWebhookEndpoint): WebhookEndpoint => ({
  id: e.id,
  object: "webhook_endpoint",
  url: e.url,
  events: e.events,
  description: e.description,
  disabled: e.disabled,
  disabledReason: e.disabledReason,
  createdAt: e.createdAt,
  updatedAt: e.updatedAt
})

/** The secrets that still sign at `now`: the current one and any rotated out less than 24 h ago. */
export const liveSecrets = (e: StoredWebhookEndpoint, now: number): ReadonlyArray<SealedSecret> =>
  e.secrets.filter((s) => s.expiresAt === null || msOf(s.expiresAt) > now)

const encodeEndpoint = encoder(WebhookEndpointSchema)

export class WebhookEndpoints extends Effect.Service<WebhookEndpoints>()("@billkit/core/WebhookEndpoints", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const events = yield* Events
    const repo = yield* makeRepository(WebhookEndpointRecords)

    const newSecret = Effect.gen(function*() {
      const hex = yield* ids.secretHex(24)
      const bytes = Encoding.decodeHex(hex)
      if (bytes._tag === "Left") return yield* Effect.die(bytes.left)
      const secret = `whsec_${Encoding.encodeBase64(bytes.right)}`
      const box = yield* SecretBox
      return { secret, sealed: yield* box.seal(secret) }
    })

    /** A live endpoint (not deleted) of the current tenant, or NotFound. */
    const getStored = (id: string, forUpdate = false) =>
      Effect.flatMap(repo.get(id, forUpdate), (e) => (e.deleted ? Effect.fail(new NotFound({ resource: "webhook endpoint", id })) : Effect.succeed(e)))

    const create = traced("WebhookEndpoints.create")(function*(input: WebhookEndpointCreate) {
      yield* checkUrl(input.url)
      const now = isoAt(yield* Clock.currentTimeMillis)
      const { sealed, secret } = yield* newSecret
      const endpoint: StoredWebhookEndpoint = {
        id: yield* ids.next("webhookEndpoint"),
        object: "webhook_endpoint",
        url: input.url,
        events: input.events,
        description: input.description ?? null,
        disabled: input.disabled ?? false,
        disabledReason: null,
        createdAt: now,
        updatedAt: now,
        secrets: [{ sealed, expiresAt: null }],
        failingSince: null,
        deleted: false
      }
      yield* repo.transaction(repo.insert(endpoint).pipe(Effect.orDie))
      return { ...viewOf(endpoint), secret } satisfies WebhookEndpointWithSecret
    })

    const get = traced("WebhookEndpoints.get")(function*(id: string) {
      return viewOf(yield* getStored(id))
    })

    const list = traced("WebhookEndpoints.list")(function*(page: PageRequest, filters: { readonly disabled?: boolean } = {}) {
      const result = filters.disabled === undefined
        ? yield* repo.list(page, { range: { field: "status", from: "disabled", to: "enabled" } })
        : yield* repo.list(page, { where: { status: filters.disabled ? "disabled" : "enabled" } })
      return { ...result, data: result.data.map(viewOf) }
    })

    /** Every enabled endpoint of the tenant (the dispatcher matches each event against them). */
    const allEnabled = Effect.gen(function*() {
      const out: Array<StoredWebhookEndpoint> = []
      let after: string | undefined
      for (;;) {
        const page = yield* repo.list({ limit: 100, ...(after === undefined ? {} : { startingAfter: after }) }, { where: { status: "enabled" } })
        out.push(...page.data)
        if (!page.hasMore || page.nextCursor === null) return out
        after = page.nextCursor
      }
    })

    const update = traced("WebhookEndpoints.update")(function*(id: string, input: WebhookEndpointUpdate) {
      if (input.url !== undefined) yield* checkUrl(input.url)
      return yield* repo.transaction(Effect.gen(function*() {
        const current = yield* getStored(id, true)
        const now = isoAt(yield* Clock.currentTimeMillis)
        const enabling = input.disabled === false && current.disabled
        const next: StoredWebhookEndpoint = {
          ...current,
          url: input.url ?? current.url,
          events: input.events ?? current.events,
          description: input.description === undefined ? current.description : input.description,
          disabled: input.disabled ?? current.disabled,
          // Enabled again by hand: the failure streak starts over.
          disabledReason: input.disabled === undefined ? current.disabledReason : null,
          failingSince: enabling ? null : current.failingSince,
          updatedAt: now
        }
        yield* repo.update(next).pipe(Effect.orDie)
        return viewOf(next)
      }))
    })

    /** Deleted endpoints get nothing more; their deliveries stay readable by id. */
    const remove = traced("WebhookEndpoints.remove")(function*(id: string) {
      return yield* repo.transaction(Effect.gen(function*() {
        const current = yield* getStored(id, true)
        yield* repo.update({ ...current, deleted: true, updatedAt: isoAt(yield* Clock.currentTimeMillis) }).pipe(Effect.orDie)
        return { id, object: "webhook_endpoint" as const, deleted: true as const }
      }))
    })

    /** A new secret, shown once; the old ones keep signing for 24 h (at most one day's worth). */
    const rotateSecret = traced("WebhookEndpoints.rotateSecret")(function*(id: string) {
      const { sealed, secret } = yield* newSecret
      return yield* repo.transaction(Effect.gen(function*() {
        const current = yield* getStored(id, true)
        const nowMs = yield* Clock.currentTimeMillis
        const expiresAt = isoAt(nowMs + rotationOverlapMs)
        const old = liveSecrets(current, nowMs).map((s) => ({ sealed: s.sealed, expiresAt: s.expiresAt ?? expiresAt }))
        const next = { ...current, secrets: [{ sealed, expiresAt: null }, ...old], updatedAt: isoAt(nowMs) }
        yield* repo.update(next).pipe(Effect.orDie)
        return { ...viewOf(next), secret } satisfies WebhookEndpointWithSecret
      }))
    })

    /**
     * Disables an endpoint that failed everything for `disableAfterMs`, and says so with a
     * `webhook_endpoint.disabled` event. Run inside the transaction recording the failure.
     */
    const recordFailure = (id: string, nowMs: number, disableAfterMs: number) =>
      Effect.gen(function*() {
        const current = yield* repo.get(id, true).pipe(Effect.orDie)
        if (current.deleted || current.disabled) return
        if (current.failingSince === null) {
          yield* repo.update({ ...current, failingSince: isoAt(nowMs) }).pipe(Effect.orDie)
          return
        }
        if (nowMs - msOf(current.failingSince) < disableAfterMs) return
        const next = { ...current, disabled: true, disabledReason: "failing" as const, updatedAt: isoAt(nowMs) }
        yield* repo.update(next).pipe(Effect.orDie)
        yield* events.emit("webhook_endpoint.disabled", id, encodeEndpoint(viewOf(next)))
      })

    /** Any success ends the failure streak. */
    const recordSuccess = (id: string) =>
      Effect.gen(function*() {
        const current = yield* repo.find(id)
        if (current._tag === "None" || current.value.failingSince === null) return
        const locked = yield* repo.get(id, true).pipe(Effect.orDie)
        yield* repo.update({ ...locked, failingSince: null }).pipe(Effect.orDie)
      })

    /**
     * A batch's outcomes for one endpoint, as if recorded one by one in order: a success ends the
     * failure streak (a write only if the endpoint was failing), a failure after the batch's last
     * success starts or continues one. At most two writes per endpoint and batch, none usually.
     */
    const recordOutcomes = (
      id: string,
      outcomes: { readonly succeeded: boolean; readonly wasFailing: boolean; readonly failedLast: boolean },
      nowMs: number,
      disableAfterMs: number
    ) =>
      Effect.gen(function*() {
        if (outcomes.succeeded && outcomes.wasFailing) yield* recordSuccess(id)
        if (outcomes.failedLast) yield* recordFailure(id, nowMs, disableAfterMs)
      })

    return {
      create, get, getStored, list, allEnabled, update, remove, rotateSecret, recordFailure, recordSuccess, recordOutcomes, find: repo.find
    } as const
  }),
  dependencies: [Events.Default]
}) {}
