/**
 * The MRR series the overview charts, per currency: Billkit's `GET /v1/analytics/mrr` when this
 * Billkit serves it (monthly, each point the MRR at its interval's end). Without it, it is
 * computed here from Billkit's own records, read through the API: each subscription's recurring
 * price (× seats on a per-seat plan), normalised to a month, counted at each month's start while
 * the subscription was paying (after any trial, before it ended). Plan changes made in the past
 * are not replayed: a subscription counts at its current price throughout.
 */
import type { BillkitClient } from "./BillkitClient.js"

export interface MrrPoint {
  /** The instant the value holds at (ISO). */
  readonly at: string
  /** Minor units of the currency. */
  readonly amount: number
}

export interface MrrSeries {
  readonly currency: string
  readonly points: ReadonlyArray<MrrPoint>
}

export interface Mrr {
  readonly source: "analytics" | "computed"
  readonly series: ReadonlyArray<MrrSeries>
  /** False when not every subscription could be read (a cap or a missing scope). */
  readonly complete: boolean
}

const monthsShown = 12

/** The first instant of each of the last `monthsShown` months, then `now` itself. */
export const sampleInstants = (now: Date): ReadonlyArray<Date> => {
  const instants: Array<Date> = []
  for (let back = monthsShown - 1; back >= 0; back--) {
    instants.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)))
  }
  instants.push(now)
  return instants
}

/** A schedule's share of a month: a weekly price is paid 52/12 times a month. */
const perMonth: Record<string, { readonly num: number; readonly den: number }> = {
  week: { num: 52, den: 12 },
  month: { num: 1, den: 1 },
  year: { num: 1, den: 12 }
}

const msOf = (iso: string | null | undefined) => (iso === null || iso === undefined ? undefined : Date.parse(iso))

export const computeMrr = async (client: BillkitClient, now: Date): Promise<Mrr> => {
  const subscriptions = await client.listAll("/v1/subscriptions", {}, 5000)
  const prices = new Map<string, any>()
  const plans = new Map<string, any>()
  const lookup = async (cache: Map<string, any>, path: string, id: string) => {
    if (!cache.has(id)) {
      const answer = await client.get(`${path}/${encodeURIComponent(id)}`)
      cache.set(id, answer.status === 200 ? answer.body : null)
    }
    return cache.get(id)
  }
  const paying: Array<{ currency: string; monthly: number; from: number; until: number }> = []
  for (const s of subscriptions.data) {
    if (s.status === "incomplete" || typeof s.price !== "string") continue
    const price = await lookup(prices, "/v1/prices", s.price)
    const plan = await lookup(plans, "/v1/plans", s.plan)
    const share = price === null ? undefined : perMonth[price.schedule]
    if (price === null || plan === null || share === undefined || typeof price.amount !== "number") continue
    const quantity = plan.per_seat === true ? s.seats : 1
    // Display only: a month's share of a weekly or yearly price is rounded once, here.
    const monthly = Math.round((price.amount * quantity * share.num) / share.den)
    const from = msOf(s.trial_end) ?? msOf(s.created_at) ?? 0
    const until = msOf(s.ended_at) ?? Number.POSITIVE_INFINITY
    paying.push({ currency: price.currency, monthly, from, until })
  }
  const instants = sampleInstants(now)
  const currencies = [...new Set(paying.map((p) => p.currency))].sort()
  return {
    source: "computed",
    complete: subscriptions.complete,
    series: currencies.map((currency) => ({
      currency,
      points: instants.map((instant) => {
        const t = instant.getTime()
        const amount = paying
          .filter((p) => p.currency === currency && p.from <= t && t < p.until)
          .reduce((sum, p) => sum + p.monthly, 0)
        return { at: instant.toISOString(), amount }
      })
    }))
  }
}

/** Billkit's own MRR series, a point per month up to `now`; undefined when the key may not read it. */
export const analyticsMrr = async (client: BillkitClient, now: Date): Promise<Mrr | undefined> => {
  const answer = await client.get("/v1/analytics/mrr", { interval: "month", to: now.toISOString() })
  if (answer.status !== 200) return undefined
  return {
    source: "analytics",
    complete: true,
    series: (answer.body.data as ReadonlyArray<{ currency: string; points: ReadonlyArray<{ end: string; mrr: number }> }>).map((series) => ({
      currency: series.currency,
      points: series.points.map((point) => ({ at: point.end, amount: point.mrr }))
    }))
  }
}

/** The analytics endpoint's series when there is one the key may read, else computed here. */
export const loadMrr = async (client: BillkitClient, now: Date, analytics: boolean): Promise<Mrr> =>
  (analytics ? await analyticsMrr(client, now) : undefined) ?? (await computeMrr(client, now))
