/**
 * A small but real book of business for the dashboard's tests and screenshots, made through the
 * REST API: two plans in two currencies, customers on cards (one that declines), a trial, usage
 * events, a cancellation, and two months of test time so renewals and an MRR history exist.
 */
import type { apiClient } from "./spawnServer.js"

type Api = ReturnType<typeof apiClient>

const ok = async (call: Promise<{ status: number; body: any }>, what: string) => {
  const answer = await call
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`)
  return answer.body
}

export interface Seeded {
  readonly ada: string
  readonly grace: string
  readonly linus: string
  readonly margaret: string
  readonly alan: string
}

/** `webhookUrl`: a receiver to register first, so every event below is also delivered there. */
export const seedDashboard = async (api: Api, options: { readonly webhookUrl?: string } = {}): Promise<Seeded> => {
  // Freeze test time first, so every step below happens at one known instant.
  await ok(api("POST", "/v1/test-helpers/clock/advance", { seconds: 0 }), "freeze the clock")
  if (options.webhookUrl !== undefined) {
    await ok(api("POST", "/v1/webhook-endpoints", { url: options.webhookUrl, events: ["*"], description: "Accounting sync" }), "webhook endpoint")
  }

  const pro = await ok(api("POST", "/v1/products", { name: "Pro" }), "product Pro")
  const proPrice = await ok(api("POST", `/v1/products/${pro.id}/prices`, { amount: 2900, currency: "EUR", schedule: "month" }), "price Pro")
  await ok(api("POST", "/v1/plans", { name: "Pro monthly", code_name: "pro_monthly", product: pro.id, prices: [proPrice.id], has_trial: true, trial_length_days: 14 }), "plan Pro")
  const team = await ok(api("POST", "/v1/products", { name: "Team" }), "product Team")
  const teamPrice = await ok(api("POST", `/v1/products/${team.id}/prices`, { amount: 1200, currency: "USD", schedule: "month" }), "price Team")
  await ok(api("POST", "/v1/plans", { name: "Team per seat", code_name: "team_seats", product: team.id, prices: [teamPrice.id], per_seat: true }), "plan Team")
  await ok(api("POST", "/v1/metrics", { code: "api_calls", name: "API calls", aggregation_method: "sum", aggregation_property: "calls" }), "metric")

  const customer = async (email: string, name: string, country: string, company?: string) =>
    (await ok(api("POST", "/v1/customers", { email, name, address: { country, ...(company === undefined ? {} : { company_name: company }) } }), `customer ${email}`)).id as string
  const ada = await customer("ada@example.com", "Ada Lovelace", "GB", "Analytical Engines Ltd")
  const grace = await customer("grace@example.com", "Grace Hopper", "US", "Cobol Inc")
  const linus = await customer("linus@example.com", "Linus Torvalds", "FI")
  const margaret = await customer("margaret@example.com", "Margaret Hamilton", "US", "Apollo Guidance")
  const alan = await customer("alan@example.com", "Alan Turing", "GB")

  const month = 31 * 86_400
  await ok(api("POST", `/v1/customers/${ada}/subscriptions`, { plan: "pro_monthly", deny_trial: true, card_token: "tok_visa" }), "Ada subscribes")
  await ok(api("POST", "/v1/test-helpers/clock/advance", { seconds: month }), "a month later")
  await ok(api("POST", `/v1/customers/${grace}/subscriptions`, { plan: "team_seats", seats: 5, card_token: "tok_mastercard" }), "Grace subscribes")
  await ok(api("POST", "/v1/test-helpers/clock/advance", { seconds: month }), "another month later")
  await ok(api("POST", `/v1/customers/${margaret}/subscriptions`, { plan: "pro_monthly", card_token: "tok_visa" }), "Margaret starts a trial")
  // A card that declines: the first payment fails, the subscription stays incomplete.
  const declined = await api("POST", `/v1/customers/${linus}/subscriptions`, { plan: "pro_monthly", deny_trial: true, card_token: "tok_chargeDeclined" })
  if (declined.status >= 500) throw new Error(`Linus subscribes: ${declined.status}`)
  const alanSub = await ok(api("POST", `/v1/customers/${alan}/subscriptions`, { plan: "pro_monthly", deny_trial: true, card_token: "tok_visa" }), "Alan subscribes")
  await ok(api("POST", `/v1/subscriptions/${alanSub.id}/cancel`, { when: "end_of_period" }), "Alan cancels at period end")

  await ok(
    api("POST", "/v1/usage-events", {
      events: [1, 2, 3].map((n) => ({ event_id: `seed-${n}`, customer: ada, code: "api_calls", properties: { calls: String(100 * n) } }))
    }),
    "usage events"
  )
  return { ada, grace, linus, margaret, alan }
}
