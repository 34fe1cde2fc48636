// REST calls against a Billkit handler, in-process (`billkit().handler`) or over HTTP (`fetch`),
// and the catalog the benchmark needs: a metric, a plan with a monthly fee and a usage price, and
// customers subscribed to it.
import { metricCode } from "./events.mjs"

/** `send(request) → Response`: `app.handler` in-process, or `fetch` over HTTP. */
export const client = (send, baseUrl, key) => {
  const request = (method, path, body) =>
    new Request(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) })
    })
  /** Calls and insists on a 2xx answer, returning its JSON body. */
  const ok = async (method, path, body) => {
    const response = await send(request(method, path, body))
    const text = await response.text()
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status}: ${text}`)
    return text.length > 0 ? JSON.parse(text) : undefined
  }
  return { request, ok }
}

/** The plan: €29 a month plus 0.002 cents (€0.02 per 1,000) per token. */
export const setupCatalog = async ({ ok }) => {
  const metric = await ok("POST", "/v1/metrics", {
    code: metricCode,
    name: "LLM tokens",
    aggregation_method: "sum",
    aggregation_property: "tokens"
  })
  const product = await ok("POST", "/v1/products", { name: "API" })
  const fee = await ok("POST", `/v1/products/${product.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" })
  const usage = await ok("POST", `/v1/products/${product.id}/prices`, {
    currency: "EUR",
    metric: metricCode,
    charge_model: "per_unit",
    unit_amount_decimal: "0.002"
  })
  const plan = await ok("POST", "/v1/plans", { name: "API", code_name: "api", product: product.id, prices: [fee.id, usage.id] })
  return { metric, plan, usagePrice: usage }
}

/** A customer with a card and a live monthly subscription to `plan` (its first period starts now). */
export const subscribedCustomer = async ({ ok }, plan, email) => {
  const customer = await ok("POST", "/v1/customers", { email })
  await ok("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
  const subscription = await ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id })
  if (subscription.status !== "active") throw new Error(`subscription is ${subscription.status}, not active`)
  return { customer: customer.id, subscription: subscription.id }
}
