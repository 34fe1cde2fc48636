/**
 * Webhook deliveries from the fake: each event POSTed to every registered endpoint with a
 * `Stripe-Signature` made by the SDK's `webhooks.generateTestHeaderString`, as Stripe signs them.
 *
 * `immediate` (the default) delivers each event as it happens; `hold()` queues them so a test can
 * `flush({ duplicate, order: "reverse" | "shuffle", signedSecondsAgo })` — Stripe's at-least-once,
 * unordered, sometimes late delivery, on demand.
 */
import Stripe from "stripe"

export interface WebhookEndpoint {
  readonly url: string
  readonly secret: string
}

export interface FlushOptions {
  /** Deliver every event twice. */
  readonly duplicate?: boolean
  /** `reverse` or `shuffle` the queued events; default: the order they happened. */
  readonly order?: "sent" | "reverse" | "shuffle"
  /** Sign as if sent this many seconds ago (a late or replayed delivery). */
  readonly signedSecondsAgo?: number
}

export interface Delivery {
  readonly event: Stripe.Event
  readonly url: string
  /** The receiver's HTTP status, or 0 when it could not be reached. */
  readonly status: number
}

const signer = new Stripe("sk_test_signer")

export class FakeStripeWebhooks {
  readonly endpoints: Array<WebhookEndpoint> = []
  readonly deliveries: Array<Delivery> = []
  private held = false
  private queue: Array<Stripe.Event> = []
  private inFlight = new Set<Promise<unknown>>()

  constructor(private readonly now: () => number) {}

  register(endpoint: WebhookEndpoint): void {
    this.endpoints.push(endpoint)
  }

  /** Queue events instead of delivering them, until `flush()`. */
  hold(): void {
    this.held = true
  }

  /** Back to delivering each event as it happens (queued ones are flushed first). */
  async release(): Promise<ReadonlyArray<Delivery>> {
    this.held = false
    return this.flush()
  }

  /** Events queued by `hold()` and not yet flushed. */
  pending(): ReadonlyArray<Stripe.Event> {
    return [...this.queue]
  }

  /** Called by the fake for every event it emits. */
  enqueue(event: Stripe.Event): void {
    if (this.held || this.endpoints.length === 0) {
      if (this.held) this.queue.push(event)
      return
    }
    const sending = this.sendAll(event, 0).finally(() => this.inFlight.delete(sending))
    this.inFlight.add(sending)
  }

  /** Deliver the queued events (sequentially, so "out of order" means exactly the order asked). */
  async flush(options: FlushOptions = {}): Promise<ReadonlyArray<Delivery>> {
    let events = this.queue
    this.queue = []
    if (options.order === "reverse") events = [...events].reverse()
    if (options.order === "shuffle") events = shuffle(events)
    if (options.duplicate) events = events.flatMap((event) => [event, event])
    const out: Array<Delivery> = []
    for (const event of events) out.push(...(await this.sendAll(event, options.signedSecondsAgo ?? 0)))
    return out
  }

  /** Resolves when every immediate delivery started so far has been answered. */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight])
  }

  /** Sends one event (any event, e.g. a hand-made one) to every endpoint, signed `secondsAgo`. */
  async send(event: Stripe.Event, secondsAgo = 0): Promise<ReadonlyArray<Delivery>> {
    return this.sendAll(event, secondsAgo)
  }

  private async sendAll(event: Stripe.Event, secondsAgo: number): Promise<ReadonlyArray<Delivery>> {
    const payload = JSON.stringify(event, null, 2)
    const out: Array<Delivery> = []
    for (const endpoint of this.endpoints) {
      const header = signer.webhooks.generateTestHeaderString({
        payload,
        secret: endpoint.secret,
        timestamp: this.now() - secondsAgo
      })
      let status = 0
      try {
        const response = await fetch(endpoint.url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", "stripe-signature": header, "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)" },
          body: payload
        })
        status = response.status
        await response.arrayBuffer()
      } catch {
        status = 0
      }
      const delivery = { event, url: endpoint.url, status }
      this.deliveries.push(delivery)
      out.push(delivery)
    }
    return out
  }
}

/** Fisher–Yates with a seeded generator, so a failing order can be replayed. */
const shuffle = <A>(items: ReadonlyArray<A>, seed = 42): Array<A> => {
  const out = [...items]
  let state = seed
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}
