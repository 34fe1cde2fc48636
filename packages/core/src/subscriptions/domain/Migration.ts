/**
 * Where billing moves from Stripe to Billkit, read from Stripe's subscription object (as
 * `GET /v1/subscriptions/{id}?expand[]=latest_invoice` answers it). Pure: no Effect, no I/O.
 *
 * Billkit takes over at the end of the last period Stripe billed: the current period's end, or,
 * when Stripe has already invoiced the period after it (its latest invoice's lines reach beyond),
 * the end of that one. So Stripe bills up to that instant, Billkit from it: no gap, no overlap.
 */

type Json = Record<string, unknown>

const obj = (v: unknown): Json | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? v as Json : null)
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null)
const listOf = (v: unknown): Array<Json> =>
  Array.isArray(obj(v)?.data) ? (obj(v)!.data as Array<unknown>).flatMap((x) => (obj(x) === null ? [] : [obj(x)!])) : []

/** Stripe statuses whose subscription is still billed, so that there is billing to take over. */
const billedStatuses = ["active", "trialing", "past_due"]

export type Takeover =
  | { readonly _tag: "At"; readonly at: number }
  | { readonly _tag: "Refused"; readonly reason: string }

/**
 * The instant (epoch ms) Billkit takes over `stripe`, or why it cannot. `alreadyAt` is the
 * instant an earlier call committed: Stripe's `cancel_at` already set to it is that call's
 * own doing, not a cancellation someone asked for.
 */
export const takeoverOf = (stripe: Json, alreadyAt: number | null = null): Takeover => {
  const id = typeof stripe.id === "string" ? stripe.id : "the Stripe subscription"
  const status = typeof stripe.status === "string" ? stripe.status : "unknown"
  if (!billedStatuses.includes(status)) {
    return { _tag: "Refused", reason: `${id} is ${status} in Stripe: there is no billing left to take over` }
  }
  const cancelAt = num(stripe.cancel_at)
  if (stripe.cancel_at_period_end === true || (cancelAt !== null && cancelAt * 1000 !== alreadyAt)) {
    return {
      _tag: "Refused",
      reason: `${id} is set to cancel in Stripe${cancelAt === null ? " at its period end" : ` at ${new Date(cancelAt * 1000).toISOString()}`}: ` +
        "remove that cancellation in Stripe first, or let it end"
    }
  }
  // Stripe's API (2025-03-31 on) keeps the period on each item; older versions on the subscription.
  const items = listOf(stripe.items)
  const periodEnds = items.flatMap((i) => (num(i.current_period_end) === null ? [] : [num(i.current_period_end)!]))
  const periodEnd = periodEnds.length > 0 ? Math.max(...periodEnds) : num(stripe.current_period_end)
  if (periodEnd === null) return { _tag: "Refused", reason: `${id} has no current period in Stripe` }
  const invoiced = listOf(obj(stripe.latest_invoice)?.lines)
    .flatMap((line) => (num(obj(line.period)?.end) === null ? [] : [num(obj(line.period)?.end)!]))
  return { _tag: "At", at: Math.max(periodEnd, ...invoiced) * 1000 }
}
