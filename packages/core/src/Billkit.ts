/**
 * `billkit(options)`: the embeddable entry point. It returns a web-standard handler to mount in
 * any framework, and a few calls for the host (bootstrap, dispose).
 */
import { HttpApiBuilder, HttpApiScalar, HttpServer, OpenApi } from "@effect/platform"
import { Clock, Effect, Exit, Fiber, Layer, ManagedRuntime, type Tracer } from "effect"
import { BillkitApi } from "./http/Api.js"
import { HandlersLive, ServicesLive, servicesWith } from "./Layers.js"
import { PaymentProvider, type PaymentProviderService } from "./payments/PaymentProvider.js"
import { pipeline } from "./http/Pipeline.js"
import { RequestLimiterLive } from "./http/RateLimiter.js"
import { makeFastReads } from "./FastReads.js"
import type { Mode, StoragePort } from "./kernel/Storage.js"
import { Storage } from "./kernel/Storage.js"
import { withBatches } from "./kernel/StorageBatch.js"
import { decodeEncryptionKey, makeSecretBox, SecretBox } from "./kernel/SecretBox.js"
import { BillingConfig, type BillingSettings, defaultBillingSettings } from "./kernel/BillingConfig.js"
import { BillingLoop, type LoopOptions, type LoopReport } from "./operations/BillingLoop.js"
import { Projects } from "./access/Projects.js"
import { Connections } from "./connections/Connections.js"
import { Syncs, type SyncRunOptions, type SyncRunReport } from "./connections/Syncs.js"
import { Reports } from "./analytics/Reports.js"
import { ProviderAccounts, type ProviderAccountsService } from "./connections/ProviderAccounts.js"
import { makeFacade, runOrThrow, type ProjectFacade } from "./Facade.js"
import type { Principal, RateLimitRule } from "./http/Principal.js"
import type { Event } from "./events/domain/Event.js"
import { CurrentTenant } from "./kernel/Tenancy.js"
import { WebhookConfig, webhookSettingsOf, type WebhookOptions } from "./webhooks/WebhookConfig.js"
import { Deliveries, type DeliveryReport } from "./webhooks/Deliveries.js"
import { DeliveryWorker } from "./webhooks/DeliveryWorker.js"
import { Subscribers } from "./webhooks/Subscribers.js"
import type { WebhookDelivery } from "./webhooks/domain/WebhookEndpoint.js"
import type { Tenant } from "./kernel/Storage.js"
import { PagesConfig, type PageBranding } from "./kernel/PageTokens.js"
import { pagesHandler } from "./Pages.js"
import { EntitlementCache, EntitlementCacheRef } from "./entitlements/EntitlementCache.js"
import { trackEntitlementChanges } from "./entitlements/TrackedStorage.js"

export type { Principal, RateLimitRule } from "./http/Principal.js"

export interface BillkitOptions {
  readonly storage: StoragePort
  /**
   * Plain retrieves (`GET /v1/customers/{id}` and the like) skip the full HTTP stack when they
   * can, with the same checks and the same answers (FastReads.ts). Default true; false sends
   * every request through the full stack (the equivalence tests compare the two).
   */
  readonly fastReads?: boolean
  /** Where the host mounts the handler, e.g. "/billing" (paths are then /billing/v1/...). Default "". */
  readonly basePath?: string
  /** Replace API-key auth: return the principal, or null for 401. */
  readonly authenticate?: (request: Request) => Promise<Principal | null>
  /** Default per-key limits when a key carries none. Default: 100 per second. */
  readonly defaultRateLimits?: ReadonlyArray<RateLimitRule>
  /** Larger request bodies are refused with a 413. Default: 1 MiB. */
  readonly maxBodyBytes?: number
  /**
   * Where Effect spans go (one per request and per service call), e.g. an OpenTelemetry tracer
   * from `@effect/opentelemetry`. Without one, spans are not recorded at all: they cost about a
   * tenth of a request's CPU.
   */
  readonly tracer?: Tracer.Tracer
  /** Dunning schedule, default tax rate, invoice number prefix, net terms (see `BillingSettings`). */
  readonly billing?: Partial<BillingSettings>
  /**
   * The clock Billkit reads as real time. Default: the system clock. A test suite may pass a
   * fixed clock (e.g. standing at 2024-01-31) to start test mode at a chosen instant.
   */
  readonly clock?: Clock.Clock
  /**
   * Where payments go. Default: the built-in fake provider (test tokens such as `tok_visa`,
   * no network) in every mode; pass a real one (Stripe) before taking live payments.
   */
  readonly paymentProvider?: PaymentProviderService
  /**
   * 32 bytes (base64 or hex) that seal secrets at rest: webhook signing secrets and provider keys.
   * Without it they are stored as they are. The example server reads `BILLKIT_ENCRYPTION_KEY`.
   */
  readonly encryptionKey?: string
  /**
   * Webhook delivery: `allowPrivateNetworks` (default false), `timeoutMs` (10 s), the `retry`
   * schedule (`delaysMs`, `retryForMs` 3 days, `jitter`), `disableAfterMs` (5 days), `leaseMs`,
   * `batchSize`, `concurrency`, and `resolve` (the DNS lookup of the private-network guard).
   */
  readonly webhooks?: WebhookOptions
  /**
   * How connections reach a provider's API with their own keys (`POST /v1/connections`), e.g.
   * `{ stripe: stripeAccounts() }` from `@billkit/stripe`. Without one, connecting is refused.
   */
  readonly providerAccounts?: { readonly stripe?: ProviderAccountsService }
  /**
   * Where the hosted pages (checkout, customer portal) are reachable from a browser, the base
   * path included, e.g. "https://example.com/billing". Default: the origin of the API request that
   * creates the session, plus `basePath`.
   */
  readonly publicUrl?: string
  /** How the hosted pages look: brand name, accent color, logo URL (docs/pages.md). */
  readonly pages?: PageBranding
  /**
   * Entitlement checks (docs/entitlements.md): on storage shared by several processes (Postgres),
   * how long a change committed by another process may stay unseen by this one's cache,
   * `versionCheckMs` (default 1000).
   */
  readonly entitlements?: { readonly versionCheckMs?: number }
}

/** A long-running delivery worker the host starts and stops. */
export interface DeliveryWorkerHandle {
  /** Starts delivering every `intervalMs` (default 1 s) until stopped. */
  readonly start: () => void
  /** Stops after the round in flight; resolves once it has ended. */
  readonly stop: () => Promise<void>
  readonly running: boolean
}

/** In-process subscribers (see `docs/webhooks.md`). */
export interface BillkitEvents {
  /**
   * Calls `handler` with every event matching `patterns` (`"invoice.paid"`, `"invoice.*"`, `"*"`)
   * committed from now on, after commit, at least once (the delivery worker runs it; a throw or
   * rejection is retried on the webhook schedule). Returns a function that unsubscribes.
   */
  readonly subscribe: (
    patterns: string | ReadonlyArray<string>,
    handler: (event: Event, tenant: Tenant) => unknown,
    options?: { readonly name?: string }
  ) => () => void
  /** Subscriber deliveries that ran out of retries (the dead-letter list), oldest first. */
  readonly deadLetters: (projectId: string, mode?: Mode, limit?: number) => Promise<ReadonlyArray<WebhookDelivery>>
}

export interface Billkit {
  /** Web-standard handler: mount it in any framework. */
  readonly handler: (request: Request) => Promise<Response>
  /**
   * On an empty database, creates a project and its first secret test key (returned once, as
   * `apiKey`). With `apiKey` (an `sk_test_…`/`sk_live_…` string) that key is provisioned with all
   * scopes instead, if it is not stored yet. On a database that already has a project and no
   * `apiKey` is given, it changes nothing and returns `created: false` with no key.
   */
  readonly bootstrap: (options?: { readonly projectName?: string; readonly apiKey?: string }) => Promise<{
    readonly projectId: string
    readonly apiKey?: string
    readonly created: boolean
  }>
  /** Creates another project with a secret test key and a secret live key (multi-tenant hosts). */
  readonly createProject: (name: string) => Promise<{ readonly projectId: string; readonly testKey: string; readonly liveKey: string }>
  /**
   * The services as Promises, scoped to one project and mode, for hosts that do not use Effect:
   * `await billing.project(projectId).customers.create({ email })`.
   */
  readonly project: (projectId: string, mode?: Mode) => ProjectFacade
  /** The OpenAPI document of this handler (with its base path as the server URL). */
  readonly openApi: () => OpenApi.OpenAPISpec
  /**
   * Runs all billing work due now in every project (renewals, trial ends, scheduled changes and
   * cancellations, dunning retries). Idempotent; call it on an interval (the example server does).
   * Between batches it lets other requests run; `options` tunes the batch size.
   */
  readonly runBilling: (options?: LoopOptions) => Promise<LoopReport>
  /**
   * Delivers every webhook and subscriber event due now, in every project (test mode at its test
   * clock): for cron-style hosts. Several processes may run it at once over one Postgres.
   */
  readonly runDeliveries: () => Promise<DeliveryReport>
  /** A long-running worker calling `runDeliveries` on an interval, for hosts that stay up. */
  readonly deliveryWorker: (options?: { readonly intervalMs?: number; readonly onError?: (error: unknown) => void }) => DeliveryWorkerHandle
  readonly events: BillkitEvents
  /**
   * Rejects (`EncryptionKeyRequired`) when stored provider connections hold keys this instance
   * cannot open: no `encryptionKey`, or another one. Call it at start (the example server does).
   */
  readonly checkSecrets: () => Promise<void>
  /**
   * Carries out the imports (`POST /v1/connections/{id}/sync`) that are due: pending ones, and
   * running ones whose worker died (its lease ran out). Call it on an interval, like `runBilling`.
   */
  readonly runSyncs: (options?: SyncRunOptions) => Promise<SyncRunReport>
  /**
   * Takes up report runs (`POST /v1/reports`) whose worker died mid-run (still running, its lease
   * ran out) and works each to its end from its last committed chunk: the number taken up. Call
   * it on an interval, like `runSyncs`.
   */
  readonly runReports: () => Promise<number>
  readonly dispose: () => Promise<void>
}

const normalizeBasePath = (basePath: string | undefined) => {
  const trimmed = (basePath ?? "").replace(/\/+$/, "")
  return trimmed === "" ? "" : trimmed.startsWith("/") ? trimmed : `/${trimmed}`
}

const problem = (status: number, detail: string, instance: string) =>
  new Response(JSON.stringify({ type: "urn:billkit:error:not_found", title: "Not Found", status, detail, instance }), {
    status,
    headers: { "content-type": "application/problem+json" }
  })

export const billkit = (options: BillkitOptions): Billkit => {
  const basePath = normalizeBasePath(options.basePath)
  const api = BillkitApi.annotate(OpenApi.Servers, [{ url: basePath === "" ? "/" : basePath }])
  const tracing = options.tracer === undefined ? Layer.setTracerEnabled(false) : Layer.setTracer(options.tracer)
  const clock = options.clock === undefined ? Layer.empty : Layer.setClock(options.clock)
  const settings = Layer.succeed(BillingConfig, { ...defaultBillingSettings, ...options.billing })
  const webhookConfig = Layer.succeed(WebhookConfig, webhookSettingsOf(options.webhooks))
  const secrets = options.encryptionKey === undefined
    ? Layer.empty
    : Layer.succeed(SecretBox, makeSecretBox(decodeEncryptionKey(options.encryptionKey)))
  const providerAccounts = options.providerAccounts === undefined
    ? Layer.empty
    : Layer.succeed(ProviderAccounts, options.providerAccounts)
  const base = options.paymentProvider === undefined
    ? ServicesLive
    : servicesWith(Layer.succeed(PaymentProvider, options.paymentProvider))
  const pagesConfig = Layer.succeed(PagesConfig, { publicUrl: options.publicUrl ?? null, basePath, branding: options.pages ?? {} })
  // The process's entitlement cache, told of every committed change by the storage it wraps.
  const processClock = options.clock ?? Clock.make()
  const entitlementCache = new EntitlementCache({
    now: () => processClock.unsafeCurrentTimeMillis(),
    shared: options.storage.sharedAcrossProcesses,
    ...(options.entitlements?.versionCheckMs === undefined ? {} : { versionCheckMs: options.entitlements.versionCheckMs })
  })
  const storage = withBatches(trackEntitlementChanges(options.storage, entitlementCache))
  const services = base.pipe(
    Layer.provideMerge(RequestLimiterLive),
    Layer.provideMerge(Layer.succeed(Storage, storage)),
    Layer.provideMerge(Layer.mergeAll(tracing, clock, settings, secrets, webhookConfig, providerAccounts, pagesConfig, Layer.succeed(EntitlementCacheRef, entitlementCache)))
  )
  const runtime = ManagedRuntime.make(services)

  const app = Layer.mergeAll(
    HttpApiBuilder.middlewareOpenApi({ path: "/v1/openapi.json" }),
    // Scalar is inlined by @effect/platform; without its web fonts the page needs no network at all.
    HttpApiScalar.layer({ path: "/docs", scalar: { withDefaultFonts: false } }),
    pipeline({ ...options, basePath }),
    HttpServer.layerContext
  ).pipe(
    Layer.provideMerge(HttpApiBuilder.api(api).pipe(Layer.provide(HandlersLive))),
    Layer.provide(services)
  )

  const web = HttpApiBuilder.toWebHandler(app, { memoMap: runtime.memoMap })
  // The hosted pages (checkout, portal) are HTML, outside the REST API and its API keys.
  const pages = pagesHandler(runtime)

  // Plain retrieves skip the full HTTP stack when they can (FastReads.ts); a host's own
  // authenticate function always takes the full stack.
  const fastReads = options.authenticate === undefined && options.fastReads !== false
    ? runtime.runPromise(makeFastReads({ basePath, defaultRateLimits: options.defaultRateLimits }))
    : undefined
  fastReads?.catch(() => undefined) // a failure to build surfaces on the first request instead

  const fullStack = (request: Request, url: URL): Promise<Response> => {
    if (basePath === "") return web.handler(request)
    const init: RequestInit & { duplex?: "half" } = { method: request.method, headers: request.headers, signal: request.signal }
    if (request.body !== null) {
      init.body = request.body
      init.duplex = "half"
    }
    return web.handler(new Request(url, init))
  }

  const handler = async (request: Request): Promise<Response> => {
    const url = new URL(request.url)
    if (basePath !== "") {
      if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) {
        return problem(404, `Billkit is mounted at ${basePath}`, url.pathname)
      }
      url.pathname = url.pathname.slice(basePath.length) || "/"
    }
    const page = pages(request, url.pathname)
    if (page !== null) return page
    if (fastReads !== undefined) {
      const fast = await fastReads
      const target = fast.match(request, url.pathname, url.search)
      if (target !== undefined) {
        // A throw (a corrupt row, a driver error) goes the fiber's way, which reports it as a defect.
        let now: ReturnType<typeof fast.answerNow>
        try {
          now = fast.answerNow(request, url.pathname, target)
        } catch {
          now = undefined
        }
        if (now !== undefined) {
          if (now._tag === "Some") return now.value
          return fullStack(request, url)
        }
        // On storage that reads synchronously the answer is usually ready at once: skip the promise.
        const fiber = runtime.runFork(fast.answer(request, url.pathname, target))
        const ready = fiber.unsafePoll()
        const answered = ready !== null && Exit.isSuccess(ready) ? ready.value : await runtime.runPromise(Fiber.join(fiber))
        if (answered._tag === "Some") return answered.value
      }
    }
    return fullStack(request, url)
  }

  const runDeliveries = () => runOrThrow(runtime, Effect.flatMap(DeliveryWorker, (worker) => worker.runAll))

  const deliveryWorker = (workerOptions: { readonly intervalMs?: number; readonly onError?: (error: unknown) => void } = {}): DeliveryWorkerHandle => {
    const intervalMs = workerOptions.intervalMs ?? 1000
    let loop: Promise<void> | undefined
    let stopping = false
    let wake: (() => void) | undefined
    const run = async () => {
      while (!stopping) {
        try {
          await runDeliveries()
        } catch (error) {
          workerOptions.onError?.(error)
        }
        if (stopping) break
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, intervalMs)
          wake = () => {
            clearTimeout(timer)
            resolve()
          }
        })
      }
    }
    return {
      start: () => {
        if (loop !== undefined) return
        stopping = false
        loop = run()
      },
      stop: async () => {
        stopping = true
        wake?.()
        await loop
        loop = undefined
      },
      get running() {
        return loop !== undefined
      }
    }
  }

  const events: BillkitEvents = {
    subscribe: (patterns, handler, subscribeOptions) =>
      runtime.runSync(Effect.flatMap(Subscribers, (subs) =>
        subs.subscribe(patterns, (event, tenant) => Effect.tryPromise({ try: async () => handler(event, tenant), catch: (error) => error }), subscribeOptions))),
    deadLetters: (projectId, mode = "test", limit = 100) =>
      runOrThrow(runtime, Effect.flatMap(Deliveries, (d) => d.deadLetters({ limit })).pipe(
        Effect.map((page) => page.data),
        Effect.provideService(CurrentTenant, { projectId, mode })
      ))
  }

  return {
    handler,
    runDeliveries,
    deliveryWorker,
    events,
    bootstrap: (opts = {}) => runOrThrow(runtime, Effect.flatMap(Projects, (projects) => projects.bootstrap(opts))),
    createProject: (name) => runOrThrow(runtime, Effect.flatMap(Projects, (projects) => projects.createWithKeys(name))),
    project: makeFacade(runtime, entitlementCache),
    openApi: () => OpenApi.fromApi(api),
    runBilling: (loopOptions) => runOrThrow(runtime, Effect.flatMap(BillingLoop, (loop) => loop.runAll(loopOptions))),
    runSyncs: (syncOptions) => runOrThrow(runtime, Effect.flatMap(Syncs, (syncs) => syncs.runDue(syncOptions))),
    runReports: () => runOrThrow(runtime, Effect.flatMap(Reports, (reports) => reports.runDue())),
    checkSecrets: () => runOrThrow(runtime, Effect.flatMap(Connections, (connections) => connections.assertSecretsReadable)),
    dispose: async () => {
      await web.dispose()
      await runtime.dispose()
    }
  }
}
