/**
 * `billkit(options)`: the embeddable entry point. It returns a web-standard handler to mount in
 * any framework, and a few calls for the host (bootstrap, dispose).
 */
import { HttpApiBuilder, HttpApiScalar, HttpServer, OpenApi } from "@effect/platform"
import { type Clock, Effect, Layer, ManagedRuntime, type Tracer } from "effect"
import { BillkitApi } from "./http/Api.js"
import { HandlersLive, ServicesLive, servicesWith } from "./Layers.js"
import { PaymentProvider, type PaymentProviderService } from "./payments/PaymentProvider.js"
import { pipeline } from "./http/Pipeline.js"
import type { Mode, StoragePort } from "./kernel/Storage.js"
import { Storage } from "./kernel/Storage.js"
import { withBatches } from "./kernel/StorageBatch.js"
import { decodeEncryptionKey, makeSecretBox, SecretBox } from "./kernel/SecretBox.js"
import { BillingConfig, type BillingSettings, defaultBillingSettings } from "./kernel/BillingConfig.js"
import { BillingLoop, type LoopOptions, type LoopReport } from "./operations/BillingLoop.js"
import { Projects } from "./access/Projects.js"
import { makeFacade, runOrThrow, type ProjectFacade } from "./Facade.js"
import type { Principal, RateLimitRule } from "./http/Principal.js"

export type { Principal, RateLimitRule } from "./http/Principal.js"

export interface BillkitOptions {
  readonly storage: StoragePort
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
  const secrets = options.encryptionKey === undefined
    ? Layer.empty
    : Layer.succeed(SecretBox, makeSecretBox(decodeEncryptionKey(options.encryptionKey)))
  const base = options.paymentProvider === undefined
    ? ServicesLive
    : servicesWith(Layer.succeed(PaymentProvider, options.paymentProvider))
  const services = base.pipe(
    Layer.provideMerge(Layer.succeed(Storage, withBatches(options.storage))),
    Layer.provideMerge(Layer.mergeAll(tracing, clock, settings, secrets))
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

  const handler = (request: Request): Promise<Response> => {
    if (basePath === "") return web.handler(request)
    const url = new URL(request.url)
    if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`)) {
      return Promise.resolve(problem(404, `Billkit is mounted at ${basePath}`, url.pathname))
    }
    url.pathname = url.pathname.slice(basePath.length) || "/"
    const init: RequestInit & { duplex?: "half" } = { method: request.method, headers: request.headers, signal: request.signal }
    if (request.body !== null) {
      init.body = request.body
      init.duplex = "half"
    }
    return web.handler(new Request(url, init))
  }

  return {
    handler,
    bootstrap: (opts = {}) => runOrThrow(runtime, Effect.flatMap(Projects, (projects) => projects.bootstrap(opts))),
    createProject: (name) => runOrThrow(runtime, Effect.flatMap(Projects, (projects) => projects.createWithKeys(name))),
    project: makeFacade(runtime),
    openApi: () => OpenApi.fromApi(api),
    runBilling: (loopOptions) => runOrThrow(runtime, Effect.flatMap(BillingLoop, (loop) => loop.runAll(loopOptions))),
    dispose: async () => {
      await web.dispose()
      await runtime.dispose()
    }
  }
}
