/**
 * One attempt of one delivery over HTTP: signed with the `standardwebhooks` reference
 * implementation (every live secret signs, so a receiver holding either the old or the new secret
 * verifies during a rotation), sent with web-standard `fetch`, no redirect followed, bounded by
 * the timeout from connection to last byte read, and at most `maxResponseBytes` of the answer kept.
 */
import { Effect } from "effect"
import type { Clock } from "effect"
import { Webhook } from "standardwebhooks"

export interface Attempt {
  readonly url: string
  /** The event id: `webhook-id`, the same on every retry so receivers can deduplicate. */
  readonly messageId: string
  /** Signing time, epoch ms (the real clock, never a test clock: receivers check it against theirs). */
  readonly timestampMs: number
  readonly body: string
  /** One signer per live secret (see `signersOf`); each adds a `v1,…` signature. */
  readonly signers: ReadonlyArray<Webhook>
  readonly timeoutMs: number
  readonly maxResponseBytes: number
}

export interface AttemptOutcome {
  readonly ok: boolean
  readonly status: number | null
  readonly body: string | null
  readonly error: string | null
  readonly durationMs: number
}

/** Signers for `whsec_…` secrets: made once per batch and endpoint (`new Webhook` decodes the key). */
export const signersOf = (secrets: ReadonlyArray<string>): ReadonlyArray<Webhook> => secrets.map((secret) => new Webhook(secret))

/** The `webhook-signature` header: one `v1,<base64>` per signer, space-separated. */
export const sign = (signers: ReadonlyArray<Webhook>, messageId: string, timestampMs: number, body: string): string => {
  const at = new Date(timestampMs)
  return signers.map((signer) => signer.sign(messageId, at, body)).join(" ")
}

/** The `webhook-signature` header for `whsec_…` secrets. */
export const signatureOf = (secrets: ReadonlyArray<string>, messageId: string, timestampMs: number, body: string): string =>
  sign(signersOf(secrets), messageId, timestampMs, body)

/** Reads at most `max` bytes of a body as text, then lets the rest go. */
const readCapped = async (response: Response, max: number): Promise<string> => {
  if (response.body === null) return ""
  const reader = response.body.getReader()
  const chunks: Array<Uint8Array> = []
  let size = 0
  try {
    while (size < max) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value.byteLength + size > max ? value.subarray(0, max - size) : value)
      size += Math.min(value.byteLength, max - size)
    }
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  // A cut may split a multi-byte character: decoded leniently.
  return new TextDecoder("utf-8", { fatal: false }).decode(all)
}

const describe = (error: unknown, timedOut: boolean): string => {
  if (timedOut) return "timeout"
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause
  const code = cause?.code ?? ""
  if (code === "ECONNREFUSED") return "connection refused"
  if (code === "UND_ERR_SOCKET" || code === "ECONNRESET" || /other side closed|socket/i.test(cause?.message ?? "")) return "connection closed"
  const message = cause?.message ?? (error instanceof Error ? error.message : String(error))
  return message.slice(0, 200)
}

/** POSTs the signed body; never rejects: a failure is an outcome. */
const post = async (attempt: Attempt): Promise<Omit<AttemptOutcome, "durationMs">> => {
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, attempt.timeoutMs)
  try {
    const response = await fetch(attempt.url, {
      method: "POST",
      redirect: "manual",
      signal: controller.signal,
      headers: {
        "content-type": "application/json",
        "user-agent": "Billkit-Webhooks/1",
        "webhook-id": attempt.messageId,
        "webhook-timestamp": String(Math.floor(attempt.timestampMs / 1000)),
        "webhook-signature": sign(attempt.signers, attempt.messageId, attempt.timestampMs, attempt.body)
      },
      body: attempt.body
    })
    const body = await readCapped(response, attempt.maxResponseBytes)
    const ok = response.status >= 200 && response.status < 300
    const error = ok
      ? null
      : response.status >= 300 && response.status < 400
      ? `redirect not followed (${response.status})`
      : `answered ${response.status}`
    return { ok, status: response.status, body, error }
  } catch (error) {
    return { ok: false, status: null, body: null, error: describe(error, timedOut) }
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Makes the attempt; its duration is read from `clock` (the instance's real clock), the same way
 * as every other time.
 */
export const send = (attempt: Attempt, clock: Clock.Clock): Effect.Effect<AttemptOutcome> =>
  Effect.suspend(() => {
    const started = clock.unsafeCurrentTimeMillis()
    return Effect.map(Effect.promise(() => post(attempt)), (result): AttemptOutcome => ({
      ...result,
      durationMs: Math.max(0, Math.round(clock.unsafeCurrentTimeMillis() - started))
    }))
  })
