// A deterministic simulation of a billing business: customers subscribe, upgrade, downgrade,
// change seats and intervals, cancel (now or at the period end), pause and resume, report usage,
// and pay with cards some of which decline, month after month on the project's test clock. After
// every period it checks the ledger's invariants (invariants.mjs); at the end it hashes the
// ledger (ledger.mjs). Every choice comes from one seeded PRNG, drawn in a fixed order, so a seed
// gives the same ledger, byte for byte, on every run and every backend.
import { BigDecimal, Clock, Effect } from "effect"
import { Collections, billkit, fixedClock } from "@billkit/core"
import { makeChecker } from "./invariants.mjs"
import { ledgerHash, records } from "./ledger.mjs"
import { makeRng } from "./prng.mjs"

const DAY = 86_400_000
export const simulationStart = Date.UTC(2030, 0, 1)
const iso = (ms) => new Date(ms).toISOString()

/** Monthly and yearly prices per plan and currency (minor units); Team is per seat. */
const catalog = {
  basic: { name: "Basic", perSeat: false, EUR: [1500, 15000], USD: [1700, 17000] },
  team: { name: "Team", perSeat: true, EUR: [1200, 12000], USD: [1400, 14000] },
  premium: { name: "Premium", perSeat: false, EUR: [6000, 60000], USD: [6500, 65000] }
}
const schedules = ["month", "year"]
const up = { basic: "team", team: "premium" }
const down = { premium: "team", team: "basic" }
const taxRates = ["0", "7", "19", "21"]

/**
 * Runs `subscriptions` customers through `years` years on `storage` (migrated, empty). Returns the
 * wall time (and where it went), the ledger's hash and counts, the invariant violations (none
 * expected), and how many actions the library refused, by action and error tag.
 */
export const simulate = async ({ storage, subscriptions = 50, years = 2, seed = 1, billing = {}, onPeriod, onLedgerLine } = {}) => {
  const began = performance.now()
  const rng = makeRng(seed)
  const checker = makeChecker()
  const timing = { setupMs: 0, advanceMs: 0, actionsMs: 0, checksMs: 0, ledgerMs: 0 }
  const refused = {}
  const unanswered = []
  // Real time stands before the simulation; test time is frozen at its start by the first advance.
  const app = billkit({
    storage,
    clock: fixedClock(simulationStart - DAY, Clock.make()),
    defaultRateLimits: [{ window: "second", max: 1_000_000_000 }],
    billing
  })
  try {
    const { apiKey, projectId } = await app.bootstrap()
    const tenant = { projectId, mode: "test" }
    const project = app.project(projectId, "test")
    const rest = async (method, path, body) => {
      const response = await app.handler(new Request(`http://simulation${path}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) })
      }))
      const json = await response.json()
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`)
      return json
    }
    const advance = async (to) => {
      const t = performance.now()
      const answer = await rest("POST", "/v1/test-helpers/clock/advance", { to: iso(to) })
      if (answer.failed.length > 0) unanswered.push({ at: iso(to), failed: answer.failed.length })
      timing.advanceMs += performance.now() - t
      return answer
    }
    /** Runs a façade call; a refusal (a Conflict for a move the state does not allow) is counted. */
    const attempt = async (action, call) => {
      try {
        return await call()
      } catch (error) {
        const key = `${action}: ${error?._tag ?? error?.message ?? String(error)}`
        refused[key] = (refused[key] ?? 0) + 1
        return undefined
      }
    }

    // The catalog, through REST as a merchant would set it up.
    await advance(simulationStart)
    await rest("POST", "/v1/metrics", { code: "api_calls", name: "API calls", aggregation_method: "count" })
    const prices = {}
    for (const [code, plan] of Object.entries(catalog)) {
      const product = await rest("POST", "/v1/products", { name: plan.name })
      const ids = []
      prices[code] = {}
      for (const currency of ["EUR", "USD"]) {
        prices[code][currency] = {}
        for (const [i, schedule] of schedules.entries()) {
          const price = await rest("POST", `/v1/products/${product.id}/prices`, { amount: plan[currency][i], currency, schedule })
          prices[code][currency][schedule] = price.id
          ids.push(price.id)
        }
        if (code === "basic") {
          const usage = await rest("POST", `/v1/products/${product.id}/prices`, { currency, metric: "api_calls", charge_model: "per_unit", unit_amount_decimal: currency === "EUR" ? "0.5" : "0.6" })
          ids.push(usage.id)
        }
      }
      await rest("POST", "/v1/plans", { name: plan.name, code_name: code, product: product.id, prices: ids, per_seat: plan.perSeat })
    }

    /** The simulated customers, in creation order; `sub` is the subscription they are on. */
    const customers = []
    const join = async () => {
      const i = customers.length
      const currency = rng.pick(["EUR", "USD"])
      const schedule = rng.chance(0.7) ? "month" : "year"
      const plan = rng.pick(["basic", "basic", "team", "premium"])
      const seats = plan === "team" ? 1 + rng.int(5) : undefined
      const roll = rng.next()
      const token = roll < 0.03 ? "tok_chargeDeclined" : roll < 0.05 ? "tok_insufficientFunds" : "tok_visa"
      const taxRate = rng.pick(taxRates)
      const c = { i, currency, cardBad: token !== "tok_visa", customer: null, sub: null }
      customers.push(c)
      const customer = await project.customers.create({ email: `c${String(i).padStart(6, "0")}@simulation.test`, standardTaxRate: BigDecimal.unsafeFromString(taxRate) })
      c.customer = customer.id
      await project.paymentMethods.attach(customer.id, { token })
      const sub = await attempt("subscribe", () => project.subscriptions.create(customer.id, { plan, schedule, currency, ...(seats === undefined ? {} : { seats }) }))
      c.sub = sub?.id ?? null
    }
    /** A new card, made the default (a good one, or one that now declines). */
    const newCard = async (c, token) => {
      const method = await attempt("card", () => project.paymentMethods.attach(c.customer, { token }))
      if (method === undefined) return
      await attempt("card", () => project.paymentMethods.setDefault(c.customer, method.id))
      c.cardBad = token !== "tok_visa"
    }

    let subs = new Map()
    let previous = simulationStart - 1
    let periods = 0
    /** Reads what was written since the last check and checks it; then every subscription. */
    const check = async (at) => {
      const t = performance.now()
      const range = { field: "created_at", from: iso(previous + 1), to: iso(at) }
      for await (const invoice of records(storage, tenant, Collections.Invoices, { range })) checker.invoice(invoice, at)
      for (const id of [...checker.drafts]) {
        const current = await Effect.runPromise(storage.get(Collections.Invoices, tenant, id))
        if (current._tag === "Some") checker.numberedSince(current.value, at)
      }
      for await (const refund of records(storage, tenant, Collections.Refunds, { range })) {
        const payment = await Effect.runPromise(storage.get(Collections.Payments, tenant, refund.payment))
        checker.refund(refund, payment._tag === "Some" ? payment.value : undefined, at)
      }
      subs = new Map()
      for await (const s of records(storage, tenant, Collections.Subscriptions)) {
        subs.set(s.id, s)
        checker.subscription(s, at)
      }
      checker.gapless(at)
      previous = at
      periods++
      timing.checksMs += performance.now() - t
      onPeriod?.({ at: iso(at), violations: checker.violations.length })
    }

    // Customers arrive over the first four weeks, a cohort a day, so renewals spread over the month.
    const cohorts = 28
    for (let day = 0; day < cohorts; day++) {
      const at = simulationStart + day * DAY + 9 * 3_600_000
      await advance(at)
      const t = performance.now()
      for (let i = day; i < subscriptions; i += cohorts) await join()
      timing.actionsMs += performance.now() - t
    }
    timing.setupMs = performance.now() - began
    await check(simulationStart + (cohorts - 1) * DAY + 9 * 3_600_000)

    // Then a step a month, mid-month at noon: mid-period for most, so changes prorate.
    const months = 12 * years
    for (let month = 1; month <= months; month++) {
      const at = Date.UTC(2030, month, 15, 12)
      await advance(at)
      const t = performance.now()
      const events = []
      for (const c of [...customers]) {
        if (c.sub === null) continue
        const s = subs.get(c.sub)
        if (s === undefined) continue
        if (s.status === "canceled") {
          // Churned: someone new takes the place, so the population stays.
          c.sub = null
          await join()
          continue
        }
        if (s.status === "paused") {
          if (rng.chance(0.4) && (await attempt("resume", () => project.subscriptions.resume(s.id))) !== undefined) checker.restartAt(s.id, at)
          continue
        }
        if (s.status === "incomplete" || s.status === "unpaid" || s.status === "past_due") {
          if (c.cardBad && rng.chance(0.5)) await newCard(c, "tok_visa")
          continue
        }
        const plan = [...Object.keys(catalog)].find((code) => Object.values(prices[code][c.currency]).includes(s.price))
        const r = rng.next()
        if (r < 0.02) {
          if (up[plan] !== undefined) {
            const proration = rng.pick(["create_prorations", "always_invoice"])
            await attempt("upgrade", () => project.subscriptions.changePlan(s.id, { plan: up[plan], proration }))
          }
        } else if (r < 0.035) {
          if (down[plan] !== undefined) await attempt("downgrade", () => project.subscriptions.changePlan(s.id, { plan: down[plan], when: "next_cycle" }))
        } else if (r < 0.045) {
          const schedule = prices[plan][c.currency].month === s.price ? "year" : "month"
          const changed = await attempt("interval", () => project.subscriptions.changePrice(s.id, { price: prices[plan][c.currency][schedule] }))
          if (changed !== undefined) checker.restartAt(s.id, at)
        } else if (r < 0.07) {
          if (plan === "team") {
            const add = rng.chance(0.6) || s.seats === 1
            const seats = add ? 1 + rng.int(3) : 1
            await attempt("seats", () => add ? project.subscriptions.addSeats(s.id, { seats }) : project.subscriptions.removeSeats(s.id, { seats }))
          }
        } else if (r < 0.075) {
          const refundType = rng.pick(["prorate", "none", "full"])
          await attempt("cancel now", () => project.subscriptions.cancel(s.id, { when: "instantly", refundType }))
        } else if (r < 0.082) {
          await attempt("cancel at period end", () => project.subscriptions.cancel(s.id, { when: "end_of_period" }))
        } else if (r < 0.087) {
          await attempt("pause", () => project.subscriptions.pause(s.id))
        } else if (r < 0.097) {
          if (!c.cardBad) await newCard(c, rng.chance(0.5) ? "tok_chargeDeclined" : "tok_insufficientFunds")
        } else if (r < 0.15) {
          if (c.cardBad) await newCard(c, "tok_visa")
        }
        if (plan === "basic" && rng.chance(0.7)) {
          const n = 1 + rng.int(5)
          for (let j = 0; j < n; j++) events.push({ eventId: `m${month}-c${c.i}-${j}`, customer: c.customer, code: "api_calls" })
        }
      }
      for (let i = 0; i < events.length; i += 1000) {
        const batch = events.slice(i, i + 1000)
        await attempt("usage", () => project.usage.ingest(batch))
      }
      timing.actionsMs += performance.now() - t
      await check(at)
    }

    const t = performance.now()
    const ledger = await ledgerHash(storage, tenant, onLedgerLine)
    timing.ledgerMs = performance.now() - t
    for (const b of ledger.broken) checker.violations.push({ at: "end", what: "totals", detail: b })
    const seconds = (performance.now() - began) / 1000
    return {
      seed,
      subscriptions,
      years,
      periods,
      customers: customers.length,
      seconds: +seconds.toFixed(2),
      timing: Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, Math.round(v)])),
      sha256: ledger.sha256,
      counts: ledger.counts,
      checked: checker.stats(),
      violations: checker.violations,
      refused,
      unanswered
    }
  } finally {
    await app.dispose()
  }
}
