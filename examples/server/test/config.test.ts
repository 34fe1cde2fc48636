/** Environment → configuration, and the redaction that keeps passwords out of the log. */
import { describe, expect, it } from "vitest"
import { ConfigError, describeDatabase, loadConfig, redactUrl } from "../src/config.js"

describe("loadConfig", () => {
  it("defaults to a SQLite file in the working directory on 127.0.0.1:3000", () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: "127.0.0.1",
      database: { kind: "sqlite", filename: "./billkit.db" },
      billingIntervalSeconds: 60,
      webhookIntervalSeconds: 1,
      webhooksAllowPrivateNetworks: false
    })
    // Empty is unset, as a shell's `PORT=` means.
    expect(loadConfig({ PORT: "", DATABASE_URL: " " }).port).toBe(3000)
  })

  it("reads file: and postgres URLs", () => {
    expect(loadConfig({ DATABASE_URL: "file:/var/lib/billkit.db" }).database).toEqual({ kind: "sqlite", filename: "/var/lib/billkit.db" })
    for (const url of ["postgres://u:p@db/billing", "postgresql://db/billing"]) {
      expect(loadConfig({ DATABASE_URL: url }).database).toEqual({ kind: "postgres", connectionString: url })
    }
  })

  it("rejects what it cannot use, naming the variable", () => {
    expect(() => loadConfig({ DATABASE_URL: "mysql://db" })).toThrow(ConfigError)
    expect(() => loadConfig({ DATABASE_URL: "file:" })).toThrow(/DATABASE_URL=file: needs a path/)
    expect(() => loadConfig({ PORT: "http" })).toThrow(/PORT must be an integer/)
    expect(() => loadConfig({ PORT: "70000" })).toThrow(/PORT/)
    expect(() => loadConfig({ BILLING_INTERVAL_SECONDS: "soon" })).toThrow(/BILLING_INTERVAL_SECONDS must be whole seconds/)
    expect(loadConfig({ BILLING_INTERVAL_SECONDS: "0" }).billingIntervalSeconds).toBe(0)
    expect(loadConfig({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: "true" }).webhooksAllowPrivateNetworks).toBe(true)
    expect(() => loadConfig({ WEBHOOKS_ALLOW_PRIVATE_NETWORKS: "yes" })).toThrow(/WEBHOOKS_ALLOW_PRIVATE_NETWORKS must be true or false/)
    expect(() => loadConfig({ WEBHOOK_INTERVAL_SECONDS: "soon" })).toThrow(/WEBHOOK_INTERVAL_SECONDS/)
    expect(() => loadConfig({ BILLKIT_API_KEY: "sk_test_short" })).toThrow(/BILLKIT_API_KEY/)
  })

  it("accepts a provisioned secret key, HOST and PORT=0", () => {
    const key = "sk_live_0123456789abcdefXYZ"
    expect(loadConfig({ BILLKIT_API_KEY: key, HOST: "0.0.0.0", PORT: "0" })).toMatchObject({ apiKey: key, host: "0.0.0.0", port: 0 })
  })
})

describe("Stripe settings", () => {
  it("uses Stripe with STRIPE_SECRET_KEY (and STRIPE_API_BASE), the fake provider without", () => {
    expect(loadConfig({}).stripe).toBeUndefined()
    expect(loadConfig({ STRIPE_SECRET_KEY: "sk_test_abc123" }).stripe).toEqual({ secretKey: "sk_test_abc123" })
    expect(loadConfig({ STRIPE_SECRET_KEY: "sk_test_abc123", STRIPE_API_BASE: "http://127.0.0.1:12111" }).stripe)
      .toEqual({ secretKey: "sk_test_abc123", apiBase: "http://127.0.0.1:12111" })
    expect(loadConfig({ STRIPE_SECRET_KEY: "sk_test_abc123", STRIPE_WEBHOOK_SECRET: "whsec_abc" }).stripe)
      .toEqual({ secretKey: "sk_test_abc123", webhookSecret: "whsec_abc" })
  })

  it("rejects what it cannot use, naming the variable", () => {
    expect(() => loadConfig({ STRIPE_SECRET_KEY: "pk_test_abc" })).toThrow(/STRIPE_SECRET_KEY must be/)
    expect(() => loadConfig({ STRIPE_API_BASE: "http://127.0.0.1:12111" })).toThrow(/STRIPE_API_BASE needs STRIPE_SECRET_KEY/)
    expect(() => loadConfig({ STRIPE_SECRET_KEY: "sk_test_abc", STRIPE_API_BASE: "ftp://x" })).toThrow(/STRIPE_API_BASE must be/)
    expect(() => loadConfig({ STRIPE_WEBHOOK_SECRET: "whsec_abc" })).toThrow(/STRIPE_WEBHOOK_SECRET needs STRIPE_SECRET_KEY/)
    expect(() => loadConfig({ STRIPE_SECRET_KEY: "sk_test_abc", STRIPE_WEBHOOK_SECRET: "sk_test_abc" })).toThrow(/STRIPE_WEBHOOK_SECRET must be/)
  })
})

describe("redaction", () => {
  it("hides the password of a database URL", () => {
    expect(redactUrl("postgres://billkit:s3cret@db:5432/billing")).toBe("postgres://billkit:***@db:5432/billing")
    expect(describeDatabase({ kind: "postgres", connectionString: "postgresql://u:pw@h/d" })).toBe("postgres postgresql://u:***@h/d")
    expect(redactUrl("postgres://db/billing")).toBe("postgres://db/billing")
  })

  it("takes BILLKIT_ADMIN_PASSWORD only with BILLKIT_API_KEY, and only a long one", () => {
    const apiKey = "sk_test_provisionedByOperator0001"
    expect(loadConfig({ BILLKIT_API_KEY: apiKey, BILLKIT_ADMIN_PASSWORD: "a long enough password" }).adminPassword).toBe("a long enough password")
    expect(() => loadConfig({ BILLKIT_ADMIN_PASSWORD: "a long enough password" })).toThrow("BILLKIT_ADMIN_PASSWORD needs BILLKIT_API_KEY")
    expect(() => loadConfig({ BILLKIT_API_KEY: apiKey, BILLKIT_ADMIN_PASSWORD: "short" })).toThrow("at least 12 characters")
    expect(loadConfig({ BILLKIT_API_KEY: apiKey, BILLKIT_ADMIN_PASSWORD: "" }).adminPassword).toBeUndefined()
  })
})
