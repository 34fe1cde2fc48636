/**
 * Every operation of the OpenAPI document, with path ids of project A's test data (made by A's
 * secret test key) and a valid body, sent by keys that must not reach that data: project B's key,
 * A's live key, A's publishable key, and an A key lacking exactly the operation's scope; for a
 * POST, each of them again with the Idempotency-Key A's secret key has just used. They get 403 or
 * 404, or (B and live on an operation without a path id) an answer about their own data; never an
 * id of A's they did not send, never `Idempotent-Replayed`. Publishable keys get 200 on the
 * plan and price lists, with public entries only.
 *
 * An operation added to the API without an entry in `resourceOf` fails here, and so does one
 * whose handler does not check its scope.
 */
import { describe, expect, it } from "vitest"
import { makeKey, type Reply, type Tenants } from "./client.js"
import type { AuthContext } from "./scenarios.js"
import { inProcessAccounts, type AccountsUnderTest } from "../connections/accounts.js"

const sweepEncryptionKey = "ab".repeat(32)

/** The resource whose scope each operation needs; GET needs `:read`, any other method `:write`. */
const resourceOf: Record<string, string> = {
  "customers.create": "customers", "customers.list": "customers", "customers.retrieve": "customers",
  "customers.update": "customers", "customers.archive": "customers",
  "products.create": "products", "products.list": "products", "products.retrieve": "products", "products.update": "products",
  "prices.create": "prices", "prices.listForProduct": "prices", "prices.list": "prices", "prices.retrieve": "prices", "prices.update": "prices",
  "features.create": "features", "features.list": "features", "features.retrieve": "features", "features.update": "features",
  "plans.create": "plans", "plans.list": "plans", "plans.retrieve": "plans", "plans.update": "plans",
  "metrics.create": "metrics", "metrics.list": "metrics", "metrics.retrieve": "metrics", "metrics.update": "metrics",
  "usage.ingest": "usage", "usage.list": "usage", "usage.usage": "usage", "usage.costs": "usage", "usage.entitlements": "customers",
  "entitlements.check": "customers",
  "usage.listLimits": "usage", "usage.createLimit": "usage", "usage.deleteLimit": "usage",
  "subscriptions.create": "subscriptions", "subscriptions.listForCustomer": "subscriptions", "subscriptions.list": "subscriptions",
  "subscriptions.retrieve": "subscriptions", "subscriptions.addSeats": "subscriptions", "subscriptions.removeSeats": "subscriptions",
  "subscriptions.changePlan": "subscriptions", "subscriptions.changePrice": "subscriptions", "subscriptions.cancel": "subscriptions",
  "subscriptions.resume": "subscriptions", "subscriptions.pause": "subscriptions", "subscriptions.convertTrial": "subscriptions",
  "subscriptions.upcomingInvoice": "subscriptions", "subscriptions.migrate": "subscriptions",
  "invoices.create": "invoices", "invoices.list": "invoices", "invoices.listForCustomer": "invoices", "invoices.retrieve": "invoices",
  "invoices.pdf": "invoices", "invoices.finalize": "invoices", "invoices.pay": "invoices", "invoices.void": "invoices",
  "invoices.markUncollectible": "invoices", "invoices.createCreditNote": "credit_notes", "invoices.listCreditNotes": "credit_notes",
  "payments.list": "payments", "payments.listForCustomer": "payments", "payments.retrieve": "payments", "payments.refund": "refunds",
  "payments.listRefunds": "refunds", "payments.listRefundsForCustomer": "refunds", "payments.retrieveRefund": "refunds",
  "testClock.retrieve": "subscriptions", "testClock.advance": "subscriptions",
  "apiKeys.create": "api_keys", "apiKeys.list": "api_keys", "apiKeys.revoke": "api_keys",
  "vouchers.create": "vouchers", "vouchers.list": "vouchers", "vouchers.retrieve": "vouchers", "vouchers.update": "vouchers",
  "vouchers.redeem": "vouchers", "vouchers.listRedemptions": "vouchers",
  "paymentMethods.attach": "customers", "paymentMethods.list": "customers", "paymentMethods.detach": "customers",
  "paymentMethods.setDefault": "customers",
  "balances.list": "balances", "balances.retrieve": "balances", "balances.adjust": "balances", "balances.listTransactions": "balances",
  "events.list": "events", "events.retrieve": "events",
  "analytics.mrr": "analytics", "analytics.arr": "analytics", "analytics.movements": "analytics", "analytics.churn": "analytics",
  "analytics.customers": "analytics", "analytics.revenue": "analytics", "analytics.backfill": "analytics",
  "webhooks.create": "webhooks", "webhooks.list": "webhooks", "webhooks.retrieve": "webhooks", "webhooks.update": "webhooks",
  "webhooks.delete": "webhooks", "webhooks.rotateSecret": "webhooks", "webhooks.test": "webhooks",
  "webhooks.listDeliveries": "webhooks", "webhooks.retryDelivery": "webhooks", "webhooks.resendEvent": "webhooks",
  "webhooks.stats": "analytics",
  "connections.create": "connections", "connections.list": "connections", "connections.retrieve": "connections",
  "connections.update": "connections", "connections.delete": "connections",
  "checkout.create": "checkout", "checkout.retrieve": "checkout",
  "reports.create": "analytics", "reports.retrieve": "analytics", "reports.file": "analytics",
  "connections.startSync": "connections", "connections.listSyncs": "connections", "connections.retrieveSync": "connections",
  "connections.listObjects": "connections",
  "portal.create": "customers",
  "referrals.createCode": "referrals", "referrals.listCodes": "referrals", "referrals.apply": "referrals",
  "referrals.getConfig": "referrals", "referrals.putConfig": "referrals"
}

/** Operations without an API key: Stripe's webhook, authenticated by its `Stripe-Signature` instead. */
const keylessOperations = new Set(["providerWebhooks.stripe"])

/** The only operations a publishable key may call (API.md §1): public lists, and starting a checkout. */
const publishableOperations = new Set(["plans.list", "prices.list"])
const publishableWrites = new Set(["checkout.create"])

/** Which fixture a path parameter takes, by the path segment before it. */
const kindOfSegment: Record<string, string> = {
  customers: "customer", products: "product", prices: "price", features: "feature", plans: "plan", metrics: "metric",
  subscriptions: "subscription", invoices: "invoice", payments: "payment", refunds: "refund", vouchers: "voucher",
  events: "event", "api-keys": "apiKey", "payment-methods": "paymentMethod", "usage-limits": "usageLimit",
  "webhook-endpoints": "webhookEndpoint", deliveries: "webhookDelivery",
  connections: "connection", syncs: "sync",
  "checkout-sessions": "checkoutSession",
  reports: "report",
  "referral-codes": "referralCode",
  entitlements: "feature"
}

type Fixtures = Record<string, string>

/** A valid body for each operation that takes one (others get none). */
const bodyOf = (operation: string, f: Fixtures): unknown => {
  const bodies: Record<string, unknown> = {
    "customers.create": { email: "new@example.com" },
    "customers.update": { name: "Renamed" },
    "products.create": { name: "New" },
    "products.update": { name: "Renamed" },
    "prices.create": { amount: 100, currency: "EUR", schedule: "month" },
    "prices.update": { metadata: { note: "x" } },
    "features.create": { code: "new_feature", name: "New" },
    "features.update": { name: "Renamed" },
    "plans.create": { name: "New", code_name: "new_plan", product: f.product },
    "plans.update": { name: "Renamed" },
    "metrics.create": { code: "new_calls", name: "New", aggregation_method: "count" },
    "metrics.update": { name: "Renamed" },
    "usage.ingest": { event_id: "sweep-1", customer: f.customer, code: "victim_calls" },
    "usage.createLimit": { amount: 500, currency: "EUR", action: "WARNING" },
    "subscriptions.create": { plan: f.plan },
    "subscriptions.addSeats": { seats: 1 },
    "subscriptions.removeSeats": { seats: 1 },
    "subscriptions.changePlan": { plan: f.plan },
    "subscriptions.changePrice": { price: f.price },
    "subscriptions.cancel": { when: "end_of_period" },
    "subscriptions.convertTrial": {},
    "invoices.create": { customer: f.customer, lines: [{ description: "Setup", unit_amount: 1000 }] },
    "invoices.pay": {},
    "invoices.createCreditNote": { amount: 100 },
    "payments.refund": { amount: 50 },
    "testClock.advance": { seconds: 0 },
    "apiKeys.create": { name: "new", scopes: ["customers:read"] },
    "vouchers.create": { code: "NEW10", type: "percentage", percentage: 10, duration: "once" },
    "vouchers.update": { name: "Renamed" },
    "vouchers.redeem": { code: "VICTIM" },
    "paymentMethods.attach": { token: "tok_visa" },
    "balances.adjust": { amount: 100, currency: "EUR", description: "credit" },
    // A public address literal: no DNS lookup, and the guard lets it through.
    "webhooks.create": { url: "https://93.184.216.34/new", events: ["*"] },
    "webhooks.update": { description: "Renamed" },
    "connections.create": { provider: "stripe", secret_key: f.unconnectedKey },
    "connections.update": { default: true },
    "checkout.create": { lines: [{ plan: f.plan }], success_url: "https://shop.example/ok", cancel_url: "https://shop.example/back" },
    "reports.create": { type: "payments" },
    "portal.create": {},
    "referrals.createCode": { customer: f.customer },
    "referrals.apply": { customer: f.customer },
    "referrals.putConfig": { referrer_reward: { type: "balance_credit", amount: 100, currency: "EUR" } }
  }
  return bodies[operation]
}

const idPattern = /\b[a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26}\b|\b(?:sk|pk)_(?:test|live)_[A-Za-z0-9]{16,128}\b/g
const idsIn = (text: string) => new Set(text.match(idPattern) ?? [])

/** Project A's test data: one record of every kind a path can name, and a private price and plan. */
const seed = async (t: Tenants, accounts: AccountsUnderTest): Promise<Fixtures> => {
  const k = t.a.test
  const customer = await t.ok(k, "POST", "/v1/customers", { email: "victim@example.com" })
  const paymentMethod = await t.ok(k, "POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
  const product = await t.ok(k, "POST", "/v1/products", { name: "Victim product" })
  const price = await t.ok(k, "POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })
  const privatePrice = await t.ok(k, "POST", `/v1/products/${product.id}/prices`, { amount: 900, currency: "EUR", schedule: "month", public: false })
  const feature = await t.ok(k, "POST", "/v1/features", { code: "victim_feature", name: "Victim feature" })
  const metric = await t.ok(k, "POST", "/v1/metrics", { code: "victim_calls", name: "Calls", aggregation_method: "count" })
  const plan = await t.ok(k, "POST", "/v1/plans", {
    name: "Victim plan", code_name: "victim_plan", product: product.id, prices: [price.id, privatePrice.id], features: [feature.id]
  })
  const privatePlan = await t.ok(k, "POST", "/v1/plans", { name: "Hidden", code_name: "hidden_plan", product: product.id, prices: [privatePrice.id], public: false })
  const subscription = await t.ok(k, "POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, price: price.id })
  await t.ok(k, "POST", "/v1/usage-events", { event_id: "seed-1", customer: customer.id, code: "victim_calls" })
  const invoice = (await t.ok(k, "GET", `/v1/invoices?customer=${customer.id}`)).data[0]
  const payment = (await t.ok(k, "GET", `/v1/payments?customer=${customer.id}`)).data[0]
  if (invoice === undefined || payment === undefined) throw new Error("seed: the subscription made no paid invoice")
  const refund = await t.ok(k, "POST", `/v1/payments/${payment.id}/refunds`, { amount: 100 })
  const usageLimit = await t.ok(k, "POST", `/v1/customers/${customer.id}/usage-limits`, { amount: 1000, currency: "EUR", action: "WARNING" })
  const voucher = await t.ok(k, "POST", "/v1/vouchers", { code: "VICTIM", type: "percentage", percentage: 10, duration: "once" })
  await t.ok(k, "POST", `/v1/customers/${customer.id}/balance/adjustments`, { amount: 100, currency: "EUR", description: "seed" })
  const event = (await t.ok(k, "GET", "/v1/events")).data[0]
  const webhookEndpoint = await t.ok(k, "POST", "/v1/webhook-endpoints", { url: "https://93.184.216.34/victim", events: ["customer.*"] })
  // Resending queues a delivery without sending it: no network needed.
  const webhookDelivery = (await t.ok(k, "POST", `/v1/events/${event.id}/resend`)).data[0]
  const apiKey = await makeKey(t, { name: "victim key", scopes: ["customers:read"] })
  const connection = await t.ok(k, "POST", "/v1/connections", { provider: "stripe", secret_key: (await accounts.newAccount("test")).secretKey })
  const sync = await t.ok(k, "POST", `/v1/connections/${connection.id}/sync`)
  const unconnected = await accounts.newAccount("test")
  const checkoutSession = await t.ok(k, "POST", "/v1/checkout-sessions", {
    customer: customer.id, lines: [{ plan: plan.id }], success_url: "https://shop.example/ok", cancel_url: "https://shop.example/back"
  })
  // A referral code of another customer of A's: the path names it by its code.
  const referrer = await t.ok(k, "POST", "/v1/customers", { email: "referrer@example.com" })
  const referralCode = await t.ok(k, "POST", "/v1/referral-codes", { customer: referrer.id, code: "VICTIMREF" })
  const report = await t.ok(k, "POST", "/v1/reports", { type: "payments" })
  for (let i = 0; i < 500 && (await t.ok(k, "GET", `/v1/reports/${report.id}`)).status === "running"; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return {
    checkoutSession: checkoutSession.id,
    customer: customer.id, paymentMethod: paymentMethod.id, product: product.id, price: price.id, privatePrice: privatePrice.id,
    feature: feature.id, metric: metric.id, plan: plan.id, privatePlan: privatePlan.id, subscription: subscription.id,
    invoice: invoice.id, payment: payment.id, refund: refund.id, usageLimit: usageLimit.id, voucher: voucher.id,
    event: event.id, apiKey: apiKey.id, webhookEndpoint: webhookEndpoint.id, webhookDelivery: webhookDelivery.id,
    connection: connection.id, sync: sync.id, unconnectedKey: unconnected.secretKey,
    report: report.id,
    referralCode: referralCode.code
  }
}

interface Operation {
  readonly id: string
  readonly method: string
  readonly template: string
}

const operationsOf = (spec: any): Array<Operation> =>
  Object.entries(spec.paths as Record<string, Record<string, { operationId?: string }>>).flatMap(([template, methods]) =>
    Object.entries(methods).flatMap(([method, op]) =>
      typeof op === "object" && op !== null && typeof op.operationId === "string"
        ? [{ id: op.operationId, method: method.toUpperCase(), template }]
        : []))

/** The path with each `{param}` replaced by the fixture its preceding segment names. */
const fillPath = (template: string, f: Fixtures): string | Error => {
  const segments = template.split("/")
  const out: Array<string> = []
  for (const [i, segment] of segments.entries()) {
    if (!/^\{.+\}$/.test(segment)) {
      out.push(segment)
      continue
    }
    const kind = kindOfSegment[segments[i - 1] ?? ""]
    const id = kind === undefined ? undefined : f[kind]
    if (id === undefined) return new Error(`no fixture for ${segment} after /${segments[i - 1]}/ in ${template}`)
    out.push(id)
  }
  return out.join("/")
}

export const tenancySweep = (ctx: AuthContext) =>
  describe("tenancy and scope sweep over every operation of the OpenAPI document", () => {
    it("keeps project A's test data from other projects, the other mode, publishable keys and keys lacking the scope", async () => {
      // Connections need the encryption key and a provider integration to be made at all.
      const accounts = inProcessAccounts()
      const t = await ctx.tenants({ encryptionKey: sweepEncryptionKey, providerAccounts: { stripe: accounts.providerAccounts } })
      const spec = t.app.openApi() as any
      const operations = operationsOf(spec)
      expect(operations.length).toBeGreaterThan(50)

      // Every scope a key may hold, read from the document's own ApiKeyCreate schema.
      const pattern: string = spec.components.schemas.ApiKeyCreate.properties.scopes.items.pattern
      const resources = /\((?:[a-z_]+\|)+[a-z_]+\)/.exec(pattern.replace("\\*|", ""))![0].slice(1, -1).split("|")
      const allScopes = resources.flatMap((r) => [`${r}:read`, `${r}:write`])
      const f = await seed(t, accounts)
      const publishable = (await makeKey(t, { type: "publishable" })).secret
      const lacking = new Map<string, string>()
      const keyLacking = async (resource: string, access: "read" | "write") => {
        const scope = `${resource}:${access}`
        const cached = lacking.get(scope)
        if (cached !== undefined) return cached
        // Lacking `r:read` means lacking `r:write` too, since write implies read.
        const held = allScopes.filter((s) => s !== scope && !(access === "read" && s === `${resource}:write`))
        const secret = (await makeKey(t, { name: `lacks ${scope}`, scopes: held })).secret
        lacking.set(scope, secret)
        return secret
      }

      const known = new Set(Object.values(f))
      const problems: Array<string> = []
      const check = (
        who: string,
        op: Operation,
        path: string,
        body: unknown,
        reply: Reply,
        expected: "forbidden" | "foreign" | "public" | "allowed"
      ) => {
        const where = `${op.id} (${op.method} ${op.template}) as ${who}`
        if (reply.headers.get("idempotent-replayed") !== null) problems.push(`${where}: replayed A's response`)
        const sent = idsIn(`${path} ${JSON.stringify(body ?? null)}`)
        // A public list shows A's public plans and prices by design; what it must not show is checked below.
        // A checkout a publishable key starts names the plan's public price and product, and its page
        // URL names the project, by design.
        const publicIds = expected === "allowed" ? new Set([f.price, f.product, t.a.projectId]) : new Set<string>()
        const leaked = expected === "public" ? [] : [...idsIn(reply.text)].filter((id) => known.has(id) && !sent.has(id) && !publicIds.has(id))
        if (leaked.length > 0) problems.push(`${where}: ${reply.status} shows A's ${leaked.join(", ")}`)
        if (reply.status >= 500) problems.push(`${where}: ${reply.status}`)
        const refused = reply.status === 403 || reply.status === 404
        if (refused && !/problem\+json/.test(reply.headers.get("content-type") ?? "")) problems.push(`${where}: ${reply.status} is not a problem document`)
        switch (expected) {
          case "forbidden":
            if (reply.status !== 403) problems.push(`${where}: expected 403, got ${reply.status}`)
            break
          case "foreign":
            // Another project or mode: A's ids are unknown (404); without one in the path it acts on its own data.
            if (!refused && /\{/.test(op.template)) problems.push(`${where}: expected 404 or 403, got ${reply.status}`)
            break
          case "allowed":
            if (reply.status !== 201) problems.push(`${where}: expected 201, got ${reply.status}`)
            break
          case "public":
            if (reply.status !== 200) problems.push(`${where}: expected 200, got ${reply.status}`)
            else if (reply.json.data.some((entry: { public?: boolean }) => entry.public !== true)) problems.push(`${where}: lists a private entry`)
            for (const hidden of [f.privatePrice, f.privatePlan]) if (reply.text.includes(hidden)) problems.push(`${where}: shows private ${hidden}`)
            break
        }
      }

      for (const op of operations) {
        if (keylessOperations.has(op.id)) {
          // No API key: the provider's signature authenticates. Unsigned, with any key or none, it is
          // refused (400; 404 here, where the instance has no Stripe webhook secret) and shows nothing.
          const path = op.template.replace("{connection}", "default")
          for (const [who, key] of [["no key", undefined], ["A's test key", t.a.test], ["project B's secret key", t.b.test]] as const) {
            const reply = await t.send(key, op.method, path, { id: "evt_unsigned", type: "payment_intent.succeeded" })
            if (reply.status !== 400 && reply.status !== 404) problems.push(`${op.id} as ${who}: expected 400 or 404 unsigned, got ${reply.status}`)
            const leaked = [...idsIn(reply.text)].filter((id) => known.has(id))
            if (leaked.length > 0) problems.push(`${op.id} as ${who}: shows A's ${leaked.join(", ")}`)
          }
          continue
        }
        const resource = resourceOf[op.id]
        if (resource === undefined) {
          problems.push(`${op.id} (${op.method} ${op.template}): not in resourceOf; add the scope its handler checks`)
          continue
        }
        const path = fillPath(op.template, f)
        if (path instanceof Error) {
          problems.push(`${op.id}: ${path.message}`)
          continue
        }
        const access = op.method === "GET" ? "read" : "write"
        const body = bodyOf(op.id, f)
        const callers: Array<[string, string, "forbidden" | "foreign" | "public" | "allowed"]> = [
          ["project B's secret key", t.b.test, "foreign"],
          ["A's live key", t.a.live, "foreign"],
          ["A's publishable key", publishable, publishableOperations.has(op.id) ? "public" : publishableWrites.has(op.id) ? "allowed" : "forbidden"],
          [`A's key lacking ${resource}:${access}`, await keyLacking(resource, access), "forbidden"]
        ]
        for (const [who, key, expected] of callers) check(who, op, path, body, await t.send(key, op.method, path, body), expected)

        if (op.method !== "POST") continue
        const idempotencyKey = { "idempotency-key": `sweep-${op.id}` }
        const legit = await t.send(t.a.test, op.method, path, body, idempotencyKey)
        if (legit.status >= 500) problems.push(`${op.id} as A's secret key: ${legit.status} ${legit.text}`)
        for (const id of idsIn(legit.text)) known.add(id)
        for (const [who, key, expected] of callers) {
          check(`${who}, replaying A's Idempotency-Key`, op, path, body, await t.send(key, op.method, path, body, idempotencyKey), expected)
        }
        // A's own retry still replays: the sweep would prove nothing if nothing had been stored.
        if (legit.status < 500 && legit.status !== 403) {
          const again = await t.send(t.a.test, op.method, path, body, idempotencyKey)
          if (again.headers.get("idempotent-replayed") !== "true") problems.push(`${op.id}: A's own retry was not replayed (${again.status})`)
        }
      }
      expect(problems).toEqual([])
    })
  })
