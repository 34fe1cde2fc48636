/**
 * A Billkit instance for billing scenarios: REST calls with a test key (`keyedClient`, which any
 * test can use on its own instance), a catalog in one call, and the test clock. Real time is pinned to `start`, so test mode begins there and scenarios
 * can use fixed dates (a leap-year February) whenever they run.
 */
import { Clock } from "effect"
import { billkit, fixedClock, type Billkit, type BillingSettings, type BillkitOptions, type PaymentProviderService, type StoragePort } from "@billkit/core"
import { sendTo } from "../auth/client.js"

export interface CatalogOptions {
  readonly currency: string
  readonly amount: number
  readonly schedule?: "week" | "month" | "year"
  readonly includingTax?: boolean
  readonly perSeat?: boolean
  readonly trialDays?: number
  readonly taxType?: "standard" | "digital"
  readonly code?: string
}

export const ms = (iso: string) => Date.parse(iso)

/**
 * Bootstraps `app` (its storage must have no project yet) and answers a client that sends every
 * request with the bootstrap key, through `app.handler`: JSON in and out, as `sendTo` does. Build
 * `app` with whatever options the test needs (clock, rate limits, payment provider, …).
 */
export const keyedClient = async (app: Billkit, base = "http://billkit.test") => {
  const { apiKey, projectId } = await app.bootstrap()
  if (apiKey === undefined) throw new Error("keyedClient: the storage already holds a project, so bootstrap made no key")
  const send = sendTo(app, base)
  /** Any request with the key; the answer whatever its status. */
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    send(apiKey, method, path, body, headers)
  /** Calls and insists on a 2xx answer, returning its body. */
  const ok = async (method: string, path: string, body?: unknown) => {
    const reply = await call(method, path, body)
    if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status}: ${reply.text}`)
    return reply.json
  }
  return { app, apiKey, projectId, call, ok }
}

export type KeyedClient = Awaited<ReturnType<typeof keyedClient>>

export const makeHarness = async (
  storage: StoragePort,
  start: string,
  billing: Partial<BillingSettings> = {},
  options: { readonly paymentProvider?: PaymentProviderService | undefined; readonly defaultRateLimits?: BillkitOptions["defaultRateLimits"] } = {}
) => {
  const { app, apiKey, call, ok } = await keyedClient(billkit({
    storage,
    clock: fixedClock(ms(start), Clock.make()),
    billing,
    ...(options.paymentProvider ? { paymentProvider: options.paymentProvider } : {}),
    ...(options.defaultRateLimits ? { defaultRateLimits: options.defaultRateLimits } : {})
  }))
  let plans = 0
  let customers = 0
  /** A product with one price and a plan on it. */
  const catalog = async (o: CatalogOptions) => {
    const product = await ok("POST", "/v1/products", { name: `Product ${++plans}`, tax_type: o.taxType ?? "standard" })
    const price = await ok("POST", `/v1/products/${product.id}/prices`, {
      amount: o.amount,
      currency: o.currency,
      schedule: o.schedule ?? "month",
      including_tax: o.includingTax ?? false
    })
    const plan = await ok("POST", "/v1/plans", {
      name: `Plan ${plans}`,
      code_name: o.code ?? `tier_${plans}`,
      product: product.id,
      prices: [price.id],
      per_seat: o.perSeat ?? false,
      trial_length_days: o.trialDays ?? 0
    })
    return { product, price, plan }
  }
  /** Adds a price to an existing plan's product and plan. */
  const addPrice = async (plan: any, price: { amount: number; currency: string; schedule: string; including_tax?: boolean }) => {
    const created = await ok("POST", `/v1/products/${plan.product}/prices`, price)
    await ok("PATCH", `/v1/plans/${plan.id}`, { prices: [...plan.prices, created.id] })
    plan.prices.push(created.id)
    return created
  }
  const customer = async (fields: Record<string, unknown> = {}, token: string | null = "tok_visa") => {
    const c = await ok("POST", "/v1/customers", { email: `customer${++customers}@example.com`, ...fields })
    if (token !== null) await ok("POST", `/v1/customers/${c.id}/payment-methods`, { token })
    return c
  }
  const advance = (to: string) => ok("POST", "/v1/test-helpers/clock/advance", { to })
  const invoicesOf = async (subscription: string) =>
    (await ok("GET", `/v1/invoices?subscription=${subscription}&limit=100`)).data as Array<any>
  const subscription = (id: string) => ok("GET", `/v1/subscriptions/${id}`)
  return { app, apiKey, storage, paymentProvider: options.paymentProvider, call, ok, catalog, addPrice, customer, advance, invoicesOf, subscription, dispose: () => app.dispose() }
}

export type Harness = Awaited<ReturnType<typeof makeHarness>>

/** The lines of an invoice as `[type, amount, total]` triples: compact to assert on. */
export const linesOf = (invoice: any) =>
  (invoice.lines as Array<any>).map((l) => [l.type, l.amount, l.total] as const)
