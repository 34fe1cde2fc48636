/**
 * A fake Stripe for tests and local development: an HTTP server on 127.0.0.1 that the REAL
 * `stripe` SDK talks to (`new Stripe(key, { host, port, protocol: "http" })`). Form-encoded
 * requests as Stripe's API takes them, idempotency keys as Stripe honours them, errors and objects
 * in Stripe's shapes (typed as the SDK's `Stripe.*`), Stripe's test cards, and signed webhooks.
 *
 * One fake is one Stripe account with one secret key; start two for two accounts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { parse } from "qs"
import Stripe from "stripe"
import { accountRoutes } from "./account.js"
import { chargeRoutes } from "./charges.js"
import { checkoutSessionRoutes } from "./checkoutSessions.js"
import { customerRoutes } from "./customers.js"
import { FakeStripeError } from "./errors.js"
import { eventRoutes } from "./events.js"
import { IdempotencyKeys } from "./idempotency.js"
import type { Params } from "./params.js"
import { paymentIntentRoutes } from "./paymentIntents.js"
import { paymentMethodRoutes } from "./paymentMethods.js"
import { refundRoutes } from "./refunds.js"
import { makeRouter, type Route, type RouteContext, type RouteReply } from "./routing.js"
import { setupIntentRoutes } from "./setupIntents.js"
import { subscriptionRoutes } from "./subscriptions.js"
import { FakeStripeStore, type LoggedCall } from "./store.js"
import { FakeStripeWebhooks, type WebhookEndpoint } from "./webhooks.js"

/** Every resource family the fake serves; pass more with `startFakeStripe({ routes })`. */
export const fakeStripeRoutes: ReadonlyArray<Route> = [
  ...accountRoutes,
  ...customerRoutes,
  ...paymentMethodRoutes,
  ...setupIntentRoutes,
  ...paymentIntentRoutes,
  ...chargeRoutes,
  ...refundRoutes,
  ...checkoutSessionRoutes,
  ...subscriptionRoutes,
  ...eventRoutes
]

export interface FakeStripeOptions {
  /** Default: a random free port. */
  readonly port?: number
  /** Default `127.0.0.1`. */
  readonly host?: string
  /** The one secret key the fake accepts. Default: a random `sk_test_…`. */
  readonly secretKey?: string
  /** The account id `GET /v1/account` answers. Default: a random `acct_…`. */
  readonly accountId?: string
  /**
   * Stripe's own clock, in milliseconds: `created`, webhook signatures' timestamps. Stripe runs on
   * the wall clock, which Billkit's `Clock` does not govern. Default: `Date.now`.
   */
  readonly wallClock?: () => number
  /** More routes, matched before the built-in ones (another resource family, say). */
  readonly routes?: ReadonlyArray<Route>
  /**
   * Called after a request has had its effect and before its answer is sent (replays excepted):
   * a crash test kills the caller here, when money has moved and the caller has not heard.
   */
  readonly beforeReply?: (call: LoggedCall) => void | Promise<void>
  /** Webhook endpoints to sign and deliver events to. */
  readonly webhooks?: ReadonlyArray<WebhookEndpoint>
}

export interface FakeStripe {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly secretKey: string
  readonly store: FakeStripeStore
  readonly webhooks: FakeStripeWebhooks
  /** What to pass to `new Stripe(key, …)` to talk to this fake. */
  readonly sdkOptions: { readonly host: string; readonly port: number; readonly protocol: "http" }
  /** A real SDK client pointed at the fake (no retries, so call counts are exact). */
  readonly client: (config?: Stripe.StripeConfig) => Stripe
  readonly close: () => Promise<void>
}

const readBody = (request: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    request.on("error", reject)
  })

const parseForm = (text: string): Params => parse(text, { depth: 10, arrayLimit: 1000, parameterLimit: 10_000 }) as Params

const bearerOf = (request: IncomingMessage): string | undefined => {
  const header = request.headers.authorization
  if (header === undefined) return undefined
  if (header.startsWith("Bearer ")) return header.slice(7)
  if (header.startsWith("Basic ")) return Buffer.from(header.slice(6), "base64").toString("utf8").replace(/:$/, "")
  return undefined
}

const unauthorized = (key: string | undefined) =>
  new FakeStripeError(401, {
    type: "invalid_request_error",
    message: key === undefined
      ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth."
      : `Invalid API Key provided: ${key.slice(0, 8)}${"*".repeat(Math.max(0, key.length - 12))}${key.slice(-4)}`
  })

export const startFakeStripe = async (options: FakeStripeOptions = {}): Promise<FakeStripe> => {
  const host = options.host ?? "127.0.0.1"
  const store = new FakeStripeStore(options.accountId, options.wallClock)
  const secretKey = options.secretKey ?? `sk_test_${store.id("fake").slice(5)}`
  const webhooks = new FakeStripeWebhooks(() => store.now())
  for (const endpoint of options.webhooks ?? []) webhooks.register(endpoint)
  const router = makeRouter([...(options.routes ?? []), ...fakeStripeRoutes])
  const idempotency = new IdempotencyKeys()
  let baseUrl = ""

  const emit: RouteContext["emit"] = (type, object, previous) => {
    const event = {
      id: store.id("evt"),
      object: "event",
      api_version: "2026-10-28.endive",
      account: undefined,
      created: store.now(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: webhooks.endpoints.length,
      request: { id: null, idempotency_key: null },
      type
    } as unknown as Stripe.Event
    store.events.set(event.id, event)
    webhooks.enqueue(event)
    return event
  }

  const answer = (response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
    response.writeHead(status, {
      "content-type": "application/json",
      "request-id": store.id("req"),
      ...headers
    })
    response.end(body)
  }

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? "GET"
    const url = new URL(request.url ?? "/", baseUrl)
    const raw = await readBody(request)
    const key = typeof request.headers["idempotency-key"] === "string" ? request.headers["idempotency-key"] : undefined
    const fingerprint = `${method} ${url.pathname} ${raw}`
    const versionHeader: Record<string, string> = typeof request.headers["stripe-version"] === "string"
      ? { "stripe-version": request.headers["stripe-version"] }
      : {}
    const log = async (status: number, replayed: boolean) => {
      const call = { method, path: url.pathname, idempotencyKey: key, replayed, status }
      store.calls.push(call)
      if (!replayed) await options.beforeReply?.(call)
    }
    try {
      if (url.pathname.startsWith("/v1/")) {
        const bearer = bearerOf(request)
        if (bearer !== secretKey) throw unauthorized(bearer)
      }
      if (store.takeFailure(method, url.pathname)) {
        // As Stripe failing on its side: a 500 before the request ran, kept under no idempotency key.
        throw new FakeStripeError(500, { type: "api_error", message: "An unknown error occurred (injected by the test)." })
      }
      const matched = router.match(method, url.pathname)
      if (matched === undefined) {
        throw new FakeStripeError(404, {
          type: "invalid_request_error",
          message: router.allows(url.pathname)
            ? `Unrecognized request URL (${method}: ${url.pathname}).`
            : `Unrecognized request URL (${method}: ${url.pathname}). The fake does not implement it.`
        })
      }
      const idempotent = method === "POST" && key !== undefined
      const kept = idempotent ? idempotency.replay(key, fingerprint) : undefined
      if (kept !== undefined) {
        await log(kept.status, true)
        if (store.takeLostAnswer(method, url.pathname)) return void response.destroy()
        return answer(response, kept.status, kept.body, { "idempotent-replayed": "true", "idempotency-key": key!, ...versionHeader })
      }
      const params = method === "POST" ? parseForm(raw) : parseForm(url.search.slice(1))
      let reply: RouteReply
      try {
        reply = matched.route.handle({ store, path: matched.path, params, baseUrl, emit })
      } catch (error) {
        if (idempotent && error instanceof FakeStripeError) {
          idempotency.keep(key, fingerprint, error.status, JSON.stringify({ error: error.body }), error.body.type)
        }
        throw error
      }
      if ("redirect" in reply) {
        await log(reply.status, false)
        response.writeHead(reply.status, { location: reply.redirect })
        return response.end()
      }
      const status = reply.status ?? 200
      const body = JSON.stringify(reply.json, null, 2)
      if (idempotent) idempotency.keep(key, fingerprint, status, body, undefined)
      await log(status, false)
      // The request took effect, but its answer is lost on the way (`store.loseNextAnswer`).
      if (store.takeLostAnswer(method, url.pathname)) return void response.destroy()
      return answer(response, status, body, { ...(key ? { "idempotency-key": key } : {}), ...versionHeader })
    } catch (error) {
      const failure = error instanceof FakeStripeError
        ? error
        : new FakeStripeError(500, { type: "api_error", message: `The fake failed: ${String(error)}` })
      await log(failure.status, false)
      return answer(response, failure.status, JSON.stringify({ error: failure.body }, null, 2), versionHeader)
    }
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error) => {
      response.writeHead(500, { "content-type": "application/json" })
      response.end(JSON.stringify({ error: { type: "api_error", message: String(error) } }))
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  baseUrl = `http://${host}:${port}`
  const sdkOptions = { host, port, protocol: "http" as const }

  return {
    url: baseUrl,
    host,
    port,
    secretKey,
    store,
    webhooks,
    sdkOptions,
    client: (config = {}) => new Stripe(secretKey, { maxNetworkRetries: 0, ...config, ...sdkOptions }),
    close: async () => {
      await webhooks.settled()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
