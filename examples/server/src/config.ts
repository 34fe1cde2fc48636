/**
 * The server's configuration, read from the environment once at start. Every mistake names the
 * variable and what it accepts, so a self-hoster can fix it without reading the code.
 */

export type DatabaseConfig =
  | { readonly kind: "sqlite"; readonly filename: string }
  | { readonly kind: "postgres"; readonly connectionString: string }

/** Payments through Stripe (STRIPE_SECRET_KEY); without it, the built-in fake provider. */
export interface StripeConfig {
  readonly secretKey: string
  /** STRIPE_API_BASE: a Stripe-compatible server (stripe-mock, `billkit-fake-stripe`); default Stripe. */
  readonly apiBase?: string
  /** STRIPE_WEBHOOK_SECRET (`whsec_…`): verifies Stripe's deliveries to `/v1/providers/stripe/webhook/default`. */
  readonly webhookSecret?: string
}

export interface ServerConfig {
  readonly port: number
  readonly host: string
  readonly database: DatabaseConfig
  /** A secret key to provision instead of generating one (never printed). */
  readonly apiKey?: string
  /** Seconds between billing runs (renewals, trial ends, dunning); 0 turns the loop off. */
  readonly billingIntervalSeconds: number
  /** Signs the operator into `/dashboard`, acting with `apiKey` (so it needs one). */
  readonly adminPassword?: string
  /** Seconds between webhook delivery rounds; 0 turns the worker off. */
  readonly webhookIntervalSeconds: number
  /** WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true: endpoints may be on private, loopback and link-local addresses. */
  readonly webhooksAllowPrivateNetworks: boolean
  /** BILLKIT_ENCRYPTION_KEY: 32 bytes (base64 or hex) that seal provider keys and signing secrets at rest. */
  readonly encryptionKey?: string
  readonly stripe?: StripeConfig
}

export class ConfigError extends Error {
  override readonly name = "ConfigError"
}

/** Where the database lives when DATABASE_URL is unset: next to wherever the server is started. */
export const defaultSqliteFile = "./billkit.db"

// Loopback by default: a billing API should not face the network until its operator decides so
// (HOST=0.0.0.0, usually behind a TLS-terminating proxy).
const defaultHost = "127.0.0.1"
const defaultPort = 3000

// Same shape core accepts for secret keys (packages/core/src/access/ApiKeys.ts `keyPattern`).
const secretKeyPattern = /^sk_(test|live)_[A-Za-z0-9]{16,128}$/

type Env = Readonly<Record<string, string | undefined>>

/** Unset and empty mean the same: `PORT= node dist/main.js` should not be an error. */
const read = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim()
  return value === undefined || value === "" ? undefined : value
}

export const parseDatabaseUrl = (url: string | undefined): DatabaseConfig => {
  if (url === undefined) return { kind: "sqlite", filename: defaultSqliteFile }
  if (url.startsWith("file:")) {
    const filename = url.slice("file:".length)
    if (filename === "") throw new ConfigError("DATABASE_URL=file: needs a path, e.g. file:./billkit.db")
    return { kind: "sqlite", filename }
  }
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: "postgres", connectionString: url }
  throw new ConfigError(
    "DATABASE_URL must be file:PATH (SQLite) or postgres://… / postgresql://… (PostgreSQL); " +
      `got "${redactUrl(url)}". Leave it unset for a SQLite file at ${defaultSqliteFile}.`
  )
}

const parsePort = (value: string | undefined): number => {
  if (value === undefined) return defaultPort
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535 (0 picks a free port); got "${value}"`)
  }
  return port
}

const defaultBillingIntervalSeconds = 60

const parseInterval = (value: string | undefined): number => {
  if (value === undefined) return defaultBillingIntervalSeconds
  if (!/^\d+$/.test(value) || Number(value) > 86_400) {
    throw new ConfigError(`BILLING_INTERVAL_SECONDS must be whole seconds from 0 (off) to 86400; got "${value}"`)
  }
  return Number(value)
}

const parseWebhookInterval = (value: string | undefined): number => {
  if (value === undefined) return 1
  if (!/^\d+$/.test(value) || Number(value) > 3600) {
    throw new ConfigError(`WEBHOOK_INTERVAL_SECONDS must be whole seconds from 0 (off) to 3600; got "${value}"`)
  }
  return Number(value)
}

const parseFlag = (name: string, value: string | undefined): boolean => {
  if (value === undefined || value === "false" || value === "0") return false
  if (value === "true" || value === "1") return true
  throw new ConfigError(`${name} must be true or false; got "${value}"`)
}

const parseApiKey = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  if (!secretKeyPattern.test(value)) {
    throw new ConfigError(
      "BILLKIT_API_KEY must be a secret key: sk_test_ or sk_live_ followed by 16–128 letters or digits"
    )
  }
  return value
}

const minPasswordLength = 12

const parseAdminPassword = (value: string | undefined, apiKey: string | undefined): string | undefined => {
  if (value === undefined) return undefined
  if (value.length < minPasswordLength) throw new ConfigError(`BILLKIT_ADMIN_PASSWORD must be at least ${minPasswordLength} characters`)
  if (apiKey === undefined) {
    throw new ConfigError("BILLKIT_ADMIN_PASSWORD needs BILLKIT_API_KEY too: the dashboard acts with that key when you sign in with the password")
  }
  return value
}

const parseStripe = (env: Env): StripeConfig | undefined => {
  const secretKey = read(env, "STRIPE_SECRET_KEY")
  const apiBase = read(env, "STRIPE_API_BASE")
  const webhookSecret = read(env, "STRIPE_WEBHOOK_SECRET")
  if (secretKey === undefined) {
    if (apiBase !== undefined) throw new ConfigError("STRIPE_API_BASE needs STRIPE_SECRET_KEY (the key that server accepts)")
    if (webhookSecret !== undefined) throw new ConfigError("STRIPE_WEBHOOK_SECRET needs STRIPE_SECRET_KEY (webhooks are re-read from Stripe with it)")
    return undefined
  }
  if (!/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/.test(secretKey)) {
    throw new ConfigError("STRIPE_SECRET_KEY must be a Stripe secret or restricted key: sk_test_…, sk_live_…, rk_test_… or rk_live_…")
  }
  if (apiBase !== undefined && !/^https?:\/\/[^/]+\/?$/.test(apiBase)) {
    throw new ConfigError(`STRIPE_API_BASE must be an origin such as http://127.0.0.1:12111; got "${redactUrl(apiBase)}"`)
  }
  if (webhookSecret !== undefined && !/^whsec_[A-Za-z0-9_]+$/.test(webhookSecret)) {
    throw new ConfigError("STRIPE_WEBHOOK_SECRET must be the endpoint's signing secret: whsec_…")
  }
  return { secretKey, ...(apiBase === undefined ? {} : { apiBase }), ...(webhookSecret === undefined ? {} : { webhookSecret }) }
}

export const loadConfig = (env: Env): ServerConfig => {
  const apiKey = parseApiKey(read(env, "BILLKIT_API_KEY"))
  const encryptionKey = read(env, "BILLKIT_ENCRYPTION_KEY")
  const adminPassword = parseAdminPassword(read(env, "BILLKIT_ADMIN_PASSWORD"), apiKey)
  const stripe = parseStripe(env)
  return {
    port: parsePort(read(env, "PORT")),
    host: read(env, "HOST") ?? defaultHost,
    database: parseDatabaseUrl(read(env, "DATABASE_URL")),
    billingIntervalSeconds: parseInterval(read(env, "BILLING_INTERVAL_SECONDS")),
    webhookIntervalSeconds: parseWebhookInterval(read(env, "WEBHOOK_INTERVAL_SECONDS")),
    webhooksAllowPrivateNetworks: parseFlag("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", read(env, "WEBHOOKS_ALLOW_PRIVATE_NETWORKS")),
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(encryptionKey === undefined ? {} : { encryptionKey }),
    ...(adminPassword === undefined ? {} : { adminPassword }),
    ...(stripe === undefined ? {} : { stripe })
  }
}

/** A URL safe to log: the password (if any) replaced by `***`. */
export const redactUrl = (url: string): string => {
  try {
    const parsed = new URL(url)
    if (parsed.password === "") return url
    parsed.password = "***"
    return parsed.toString()
  } catch {
    // Not a URL at all: it may still hold a secret, so show only its scheme-like prefix.
    return url.replace(/^([a-z][a-z0-9+.-]*:).*$/i, "$1…")
  }
}

/** How the log line names the database: `sqlite ./billkit.db`, `postgres postgres://u:***@h/db`. */
export const describeDatabase = (database: DatabaseConfig): string =>
  database.kind === "sqlite" ? `sqlite ${database.filename}` : `postgres ${redactUrl(database.connectionString)}`
