/** Small REST helpers the usage scenarios share. */
import type { Harness } from "../billing/harness.js"

export const metric = (h: Harness, body: Record<string, unknown>) => h.ok("POST", "/v1/metrics", body)

/** A usage price on the plan's product, added to the plan. */
export const usagePrice = async (h: Harness, plan: any, body: Record<string, unknown>) => {
  const price = await h.ok("POST", `/v1/products/${plan.product}/prices`, { currency: "EUR", ...body })
  await h.ok("PATCH", `/v1/plans/${plan.id}`, { prices: [...plan.prices, price.id] })
  plan.prices.push(price.id)
  return price
}

/** Posts a batch and insists on a 200. */
export const post = (h: Harness, events: ReadonlyArray<Record<string, unknown>>) => h.ok("POST", "/v1/usage-events", { events })

/** The aggregated usage of one metric: `{value, periods}`. */
export const usageOf = async (h: Harness, customer: string, code: string, query = "") => {
  const reply = await h.ok("GET", `/v1/customers/${customer}/usage?code=${code}${query}`)
  return reply.data[0] as { value: string; periods: Array<{ start: string; end: string; value: string }> }
}

/** Events of one type, oldest first. */
export const eventsOfType = async (h: Harness, type: string) =>
  (await h.ok("GET", `/v1/events?type=${type}&limit=100`)).data as Array<any>

/** `n` events of `code` for a customer, ids `<prefix>0…`. */
export const many = (customer: string, code: string, n: number, prefix: string, extra: Record<string, unknown> = {}) =>
  Array.from({ length: n }, (_, i) => ({ event_id: `${prefix}${i}`, customer, code, ...extra }))
