/**
 * The attempt side of delivery, outside any transaction. What a claimed batch needs is read and
 * prepared once per batch, not once per delivery: its events (one query, each encoded to its body
 * once, when an endpoint needs it) and its endpoints (each with its address checked, its secrets
 * opened and its signers made once). Then each delivery is one signed POST (`Sender`) or one call
 * of an in-process subscriber.
 */
import { Cause, Effect } from "effect"
import type { Webhook } from "standardwebhooks"
import { Event, Events, type StoredEvent } from "../events/index.js"
import { SecretBox } from "../kernel/SecretBox.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { encoder } from "../kernel/Encoder.js"
import { refusalOf } from "./AddressGuard.js"
import type { StoredDelivery, StoredWebhookEndpoint } from "./domain/WebhookEndpoint.js"
import { send, signersOf, type AttemptOutcome } from "./Sender.js"
import { Subscribers } from "./Subscribers.js"
import { WebhookConfig } from "./WebhookConfig.js"
import { liveSecrets, WebhookEndpoints } from "./WebhookEndpoints.js"

/** An attempt's outcome, and whether it ends the delivery whatever the schedule says (its endpoint is gone). */
export interface AttemptResult {
  readonly delivery: StoredDelivery
  readonly outcome: AttemptOutcome
  readonly final: boolean
  /** Whether the endpoint was on a failure streak when read (a success then ends it). */
  readonly failing?: boolean
}

export const failedAttempt = (delivery: StoredDelivery, error: string, final = false): AttemptResult => ({
  delivery,
  outcome: { ok: false, status: null, body: null, error, durationMs: 0 },
  final
})

/** An endpoint as a batch sends to it: ready to sign, or why nothing is sent. */
type Target =
  | { readonly _tag: "Send"; readonly endpoint: StoredWebhookEndpoint; readonly signers: ReadonlyArray<Webhook> }
  | { readonly _tag: "Skip"; readonly error: string; readonly final: boolean }

/** What one batch's attempts share. */
export interface Prepared {
  readonly events: ReadonlyMap<string, StoredEvent>
  readonly targets: ReadonlyMap<string, Target>
  /** The event as the API shows it, as JSON text: encoded once per event and batch. */
  readonly bodyOf: (event: StoredEvent) => string
}

const skip = (error: string, final: boolean): Target => ({ _tag: "Skip", error, final })

const encodeEvent = encoder(Event)

export const makeDeliveryAttempts = Effect.gen(function*() {
  const events = yield* Events
  const endpoints = yield* WebhookEndpoints
  const subscribers = yield* Subscribers
  // The instance's own clock, whatever test clock a request runs at: for signatures and durations.
  const realClock = yield* Effect.clock

  const targetOf = (id: string, now: number) =>
    Effect.gen(function*() {
      const found = yield* endpoints.find(id)
      if (found._tag === "None" || found.value.deleted) return skip("the endpoint was deleted", true)
      const endpoint = found.value
      if (endpoint.disabled) return skip("the endpoint is disabled", true)
      // Checked again before each batch: DNS may have changed since the endpoint was saved.
      const refusal = yield* refusalOf(endpoint.url, { unresolvable: "refuse" })
      if (refusal !== undefined) return skip(`refused: the URL ${refusal}`, false)
      const box = yield* SecretBox
      const secrets = yield* Effect.forEach(liveSecrets(endpoint, now), (s) => box.open(s.sealed)).pipe(Effect.either)
      if (secrets._tag === "Left") return skip("the signing secret cannot be opened with this encryption key", false)
      return { _tag: "Send", endpoint, signers: signersOf(secrets.right) } as Target
    })

  /** Reads and prepares what the batch needs, at the tenant's time `now`. */
  const prepare = (batch: ReadonlyArray<StoredDelivery>, now: number) =>
    Effect.gen(function*() {
      const found = yield* events.getMany([...new Set(batch.map((d) => d.event))])
      const eventsById = new Map(found.map((e) => [e.id, e]))
      const targets = new Map<string, Target>()
      for (const d of batch) {
        if (d.endpoint !== null && !targets.has(d.endpoint)) targets.set(d.endpoint, yield* targetOf(d.endpoint, now))
      }
      const bodies = new Map<string, string>()
      const bodyOf = (event: StoredEvent) => {
        let body = bodies.get(event.id)
        if (body === undefined) bodies.set(event.id, body = JSON.stringify(encodeEvent(event)))
        return body
      }
      return { events: eventsById, targets, bodyOf } satisfies Prepared
    })

  const runSubscriber = (delivery: StoredDelivery, event: StoredEvent, timeoutMs: number) =>
    Effect.gen(function*() {
      const tenant = yield* CurrentTenant
      const sub = yield* subscribers.get(delivery.subscriber!)
      if (sub === undefined) return failedAttempt(delivery, `no subscriber named ${delivery.subscriber} in this process`)
      const started = realClock.unsafeCurrentTimeMillis()
      const { dispatched: _d, ...shown } = event
      const exit = yield* Effect.suspend(() => sub.handler(shown, tenant)).pipe(
        Effect.timeoutFail({ duration: timeoutMs, onTimeout: () => "timeout" }),
        Effect.exit
      )
      const durationMs = Math.max(0, realClock.unsafeCurrentTimeMillis() - started)
      if (exit._tag === "Success") {
        return { delivery, outcome: { ok: true, status: null, body: null, error: null, durationMs }, final: false } satisfies AttemptResult
      }
      const error = Cause.pretty(exit.cause).split("\n")[0]!.slice(0, 500)
      return { delivery, outcome: { ok: false, status: null, body: null, error, durationMs }, final: false } satisfies AttemptResult
    })

  /** Makes one attempt of a delivery of a prepared batch. */
  const attempt = (delivery: StoredDelivery, prepared: Prepared) =>
    Effect.flatMap(WebhookConfig, (config): Effect.Effect<AttemptResult, never, CurrentTenant> => {
      const event = prepared.events.get(delivery.event)
      if (event === undefined) return Effect.succeed(failedAttempt(delivery, "the event no longer exists", true))
      if (delivery.subscriber !== null) return runSubscriber(delivery, event, config.timeoutMs)
      const target = prepared.targets.get(delivery.endpoint!)!
      if (target._tag === "Skip") return Effect.succeed(failedAttempt(delivery, target.error, target.final))
      const attempt = {
        url: target.endpoint.url,
        messageId: event.id,
        // Signatures carry real time, which receivers compare with theirs.
        timestampMs: realClock.unsafeCurrentTimeMillis(),
        body: prepared.bodyOf(event),
        signers: target.signers,
        timeoutMs: config.timeoutMs,
        maxResponseBytes: config.maxResponseBytes
      }
      return Effect.map(send(attempt, realClock), (outcome): AttemptResult => ({
        delivery,
        outcome,
        final: false,
        failing: target.endpoint.failingSince !== null
      }))
    })

  return { prepare, attempt } as const
})
