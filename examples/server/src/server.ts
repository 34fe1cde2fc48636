/**
 * The self-hoster's server as a function: Hono on Node with Billkit mounted at the root
 * (`/v1/…`, `/docs`) and `GET /healthz`. `main.ts` wraps it in a process; tests and the
 * benchmark start it in-process.
 */
import type { AddressInfo } from "node:net"
import { serve, type ServerType } from "@hono/node-server"
import { billkit, EncryptionKeyRequired, type Billkit } from "@billkit/core"
import { toHonoHandler } from "@billkit/hono"
import { makeStripeAccounts, makeStripePaymentProvider } from "@billkit/stripe"
import { Hono } from "hono"
import { ConfigError, type ServerConfig } from "./config.js"
import { openDatabase } from "./database.js"
import { makeDashboard } from "./dashboard/Dashboard.js"

export interface RunningServer {
  /** Where it listens, with the actual port (PORT=0 picks one). */
  readonly url: string
  /** The secret key `bootstrap` just created on an empty database; shown once, never again. */
  readonly createdApiKey?: string
  /**
   * Stops accepting connections, lets in-flight requests finish (at most `graceMs`, then cuts
   * the rest), then disposes Billkit and closes the database.
   */
  readonly close: (options?: { readonly graceMs?: number }) => Promise<void>
}

const defaultGraceMs = 10_000

const isDomainError = (error: unknown): error is { readonly _tag: string; readonly field?: string; readonly message: string } =>
  typeof error === "object" && error !== null && "_tag" in error && (error._tag === "Conflict" || error._tag === "Invalid")

const listen = (app: Hono, host: string, port: number): Promise<ServerType> =>
  new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(server))
    server.once("error", reject)
  })

/** `server.close()` waits for in-flight requests and drops idle keep-alive sockets (Node ≥ 19). */
const stopAccepting = (server: ServerType, graceMs: number): Promise<void> =>
  new Promise((resolve) => {
    const deadline = setTimeout(() => {
      if ("closeAllConnections" in server) server.closeAllConnections()
    }, graceMs)
    server.close(() => {
      clearTimeout(deadline)
      resolve()
    })
  })

const urlOf = (host: string, address: AddressInfo): string =>
  `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`

/**
 * Runs the billing loop (and due imports) now and then every `seconds`, never two runs at once. A failed run is
 * logged and retried at the next tick; the loop is idempotent, so nothing is billed twice.
 */
const syncPagesPerTick = 20

const startBillingLoop = (billing: Billkit, seconds: number) => {
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> = Promise.resolve()
  let stopped = seconds === 0
  const tick = () => {
    // Imports (POST /v1/connections/{id}/sync) go on in bounded slices, so a stop never waits long;
    // while one has more to do, the next slice follows at once.
    let moreToImport = false
    running = billing.runBilling().then(
      (report) => {
        if (report.steps > 0) console.log(`billing: ${report.steps} step(s) done${report.failed.length > 0 ? `, ${report.failed.length} failed` : ""}`)
      },
      (error: unknown) => console.error("billing: the run failed; it will be retried", error)
    ).then(() => billing.runSyncs({ maxPages: syncPagesPerTick })).then(
      (report) => void (moreToImport = report.pages >= syncPagesPerTick),
      (error: unknown) => console.error("sync: the run failed; it will be retried", error)
    ).then(() => billing.runReports()).then(
      (taken) => void (taken > 0 && console.log(`reports: ${taken} run(s) taken up after their worker died`)),
      (error: unknown) => console.error("reports: taking up stuck runs failed; it will be retried", error)
    ).finally(() => {
      if (!stopped) timer = setTimeout(tick, moreToImport ? 0 : seconds * 1000)
    })
  }
  if (!stopped) tick()
  return {
    stop: async () => {
      stopped = true
      clearTimeout(timer)
      await running
    }
  }
}

export const startServer = async (config: ServerConfig): Promise<RunningServer> => {
  const database = await openDatabase(config.database)
  // Stripe when STRIPE_SECRET_KEY is set; else the built-in fake provider (test tokens, no network).
  const paymentProvider = config.stripe === undefined ? undefined : makeStripePaymentProvider(config.stripe)
  let billing: Billkit
  try {
    billing = billkit({
      storage: database.storage,
      webhooks: { allowPrivateNetworks: config.webhooksAllowPrivateNetworks },
      ...(paymentProvider === undefined ? {} : { paymentProvider }),
      // Connections (POST /v1/connections) and their webhooks (/v1/providers/stripe/webhook/conn_…)
      // reach Stripe with each connection's own key; storing one needs BILLKIT_ENCRYPTION_KEY.
      providerAccounts: {
        stripe: makeStripeAccounts(config.stripe?.apiBase === undefined ? {} : { apiBase: config.stripe.apiBase })
      },
      ...(config.encryptionKey === undefined ? {} : { encryptionKey: config.encryptionKey }) })
  } catch (error) {
    await database.close().catch(() => {})
    // A key that is not 32 bytes of base64 or hex (SecretBoxError) is the operator's to fix.
    throw error instanceof Error && (error as { readonly _tag?: string })._tag === "SecretBoxError"
      ? new ConfigError(`BILLKIT_ENCRYPTION_KEY: ${error.message}`)
      : error
  }
  try {
    // Stored provider keys this server cannot open (no BILLKIT_ENCRYPTION_KEY, or another): refuse to start.
    await billing.checkSecrets().catch((error: unknown) => {
      throw error instanceof EncryptionKeyRequired ? new ConfigError(error.message) : error
    })
    const bootstrapped = await billing.bootstrap(config.apiKey === undefined ? {} : { apiKey: config.apiKey }).catch((error: unknown) => {
      // The operator's key refused (revoked): a configuration problem, said as one.
      if (isDomainError(error) && error.field === "apiKey") throw new ConfigError(`BILLKIT_API_KEY ${error.message}`)
      throw error
    })

    const app = new Hono()
    app.get("/healthz", (c) => c.json({ status: "ok" }))
    app.route(
      "/dashboard",
      makeDashboard(billing, {
        ...(config.adminPassword === undefined ? {} : { adminPassword: config.adminPassword }),
        ...(config.apiKey === undefined ? {} : { adminApiKey: config.apiKey })
      })
    )
    app.all("*", toHonoHandler(billing))
    const server = await listen(app, config.host, config.port)
    const loop = startBillingLoop(billing, config.billingIntervalSeconds)
    // Webhook and subscriber deliveries, every second by default (WEBHOOK_INTERVAL_SECONDS).
    const deliveries = billing.deliveryWorker({
      intervalMs: config.webhookIntervalSeconds * 1000,
      onError: (error) => console.error("webhooks: the delivery round failed; it will be retried", error)
    })
    if (config.webhookIntervalSeconds > 0) deliveries.start()

    let closing: Promise<void> | undefined
    const close = (options: { readonly graceMs?: number } = {}) =>
      (closing ??= (async () => {
        await stopAccepting(server, options.graceMs ?? defaultGraceMs)
        await loop.stop()
        await deliveries.stop()
        await billing.dispose()
        await database.close()
      })())

    return {
      url: urlOf(config.host, server.address() as AddressInfo),
      ...(bootstrapped.apiKey === undefined ? {} : { createdApiKey: bootstrapped.apiKey }),
      close
    }
  } catch (cause) {
    await billing.dispose().catch(() => {})
    await database.close().catch(() => {})
    throw cause
  }
}
