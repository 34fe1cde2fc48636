/**
 * The fake's in-memory Stripe account: objects by id, typed as the SDK's `Stripe.*` types, the
 * card behaviour behind each payment method, a log of the calls made (for call-count tests) and a
 * clock that tests may move.
 */
import { randomBytes } from "node:crypto"
import type Stripe from "stripe"
import type { CardBehaviour } from "./testCards.js"

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

export interface LoggedCall {
  readonly method: string
  readonly path: string
  readonly idempotencyKey: string | undefined
  readonly replayed: boolean
  readonly status: number
}

export class FakeStripeStore {
  readonly account: { readonly id: string; readonly livemode: false }
  readonly customers = new Map<string, Stripe.Customer>()
  /** Deleted customers' ids: retrieving one answers `{ deleted: true }`, as Stripe does. */
  readonly deletedCustomers = new Set<string>()
  readonly paymentMethods = new Map<string, Stripe.PaymentMethod>()
  readonly setupIntents = new Map<string, Stripe.SetupIntent>()
  readonly paymentIntents = new Map<string, Stripe.PaymentIntent>()
  readonly charges = new Map<string, Stripe.Charge>()
  readonly refunds = new Map<string, Stripe.Refund>()
  readonly disputes = new Map<string, Stripe.Dispute>()
  readonly checkoutSessions = new Map<string, Stripe.Checkout.Session>()
  readonly events = new Map<string, Stripe.Event>()
  /** What charging each payment method does (by `pm_…`). */
  readonly behaviours = new Map<string, CardBehaviour>()
  /** Every request that reached a route, in order. */
  readonly calls: Array<LoggedCall> = []
  /** Requests to fail with a 500 before they run (`failNext`), each taken once. */
  private readonly failures: Array<{ readonly method: string; readonly pathPrefix: string }> = []
  private readonly lostAnswers: Array<{ readonly method: string; readonly pathPrefix: string }> = []
  /** Added to the wall clock, in seconds: lets a test make the fake's time run ahead. */
  clockOffsetSeconds = 0

  /** `wallClock`: Stripe's time in ms, the wall clock unless a test pins it (see `FakeStripeOptions`). */
  constructor(accountId?: string, private readonly wallClock: () => number = Date.now) {
    this.account = { id: accountId ?? this.id("acct"), livemode: false }
  }

  /** Stripe-like ids: prefix, underscore, 24 random alphanumerics. */
  id(prefix: string): string {
    const bytes = randomBytes(24)
    let out = ""
    for (const byte of bytes) out += alphabet[byte % alphabet.length]
    return `${prefix}_${out}`
  }

  /** Unix seconds, as Stripe's `created`. */
  now(): number {
    return Math.floor(this.wallClock() / 1000) + this.clockOffsetSeconds
  }

  /** The next `times` requests of `method` to paths starting with `pathPrefix` fail with a 500 (Stripe failing), before they run. */
  failNext(method: string, pathPrefix: string, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ method, pathPrefix })
  }

  /** Whether this request is one `failNext` asked to fail (and forgets that it was asked). */
  takeFailure(method: string, path: string): boolean {
    const index = this.failures.findIndex((f) => f.method === method && path.startsWith(f.pathPrefix))
    if (index < 0) return false
    this.failures.splice(index, 1)
    return true
  }

  /**
   * The next `times` requests of `method` to paths starting with `pathPrefix` take effect (and are
   * kept under their idempotency key, a replay answering from it), but the connection is closed
   * instead of answering: the caller cannot know whether Stripe acted. The SDK resends once on a
   * closed connection (same key), so losing an answer for good through the SDK takes `times: 2`.
   */
  loseNextAnswer(method: string, pathPrefix: string, times = 1): void {
    for (let i = 0; i < times; i++) this.lostAnswers.push({ method, pathPrefix })
  }

  /** Whether this request's answer is one `loseNextAnswer` asked to lose (and forgets that it was asked). */
  takeLostAnswer(method: string, path: string): boolean {
    const index = this.lostAnswers.findIndex((f) => f.method === method && path.startsWith(f.pathPrefix))
    if (index < 0) return false
    this.lostAnswers.splice(index, 1)
    return true
  }

  /** Calls to one route family, e.g. `countCalls("POST", "/v1/payment_intents")`. */
  countCalls(method: string, pathPrefix: string): number {
    return this.calls.filter((call) => call.method === method && call.path.startsWith(pathPrefix) && !call.replayed).length
  }
}
