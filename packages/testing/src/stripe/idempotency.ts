/**
 * Idempotency keys as Stripe honours them: the first answer to a POST with a key is kept and
 * replayed (`Idempotent-Replayed: true`) for the same key and the same request; the same key with
 * another path or other parameters is a 400 `idempotency_error`. Requests refused by validation
 * (a 400 before the endpoint ran) are not kept, so a corrected retry with the key goes through.
 */
import { FakeStripeError } from "./errors.js"

interface Kept {
  readonly fingerprint: string
  readonly status: number
  readonly body: string
}

export class IdempotencyKeys {
  private readonly kept = new Map<string, Kept>()

  /** The kept answer for this key, or undefined when the request should run. */
  replay(key: string, fingerprint: string): Kept | undefined {
    const kept = this.kept.get(key)
    if (kept === undefined) return undefined
    if (kept.fingerprint !== fingerprint) {
      throw new FakeStripeError(400, {
        type: "idempotency_error",
        message:
          `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`
      })
    }
    return kept
  }

  keep(key: string, fingerprint: string, status: number, body: string, type: string | undefined): void {
    if (status >= 500 || (status === 400 && type === "invalid_request_error")) return
    this.kept.set(key, { fingerprint, status, body })
  }
}
