/**
 * When the billing loop next has work for a subscription: the instant stored (indexed) as
 * `due_at`, so one range query finds every due subscription. Pure: derived from the record alone.
 */
import type { Subscription } from "./Subscription.js"
import { msOf } from "../../kernel/Time.js"

/** `subscription.trial_will_end` fires this long before a trial ends (API.md §3). */
export const trialWillEndNotice = 3 * 86_400_000


export const dueAt = (s: Subscription): number | null => {
  // A mirror of a Stripe subscription: Stripe bills it, and the billing loop takes it up only to
  // take it over, at the instant Stripe has confirmed its own billing ends.
  if (s.managedBy !== "billkit") return s.migration?.status === "confirmed" ? msOf(s.migration.at) : null
  const cancelAt = s.cancelAt === null ? Infinity : msOf(s.cancelAt)
  let next = Infinity
  switch (s.status) {
    case "trialing": {
      const trialEnd = msOf(s.trialEnd ?? s.currentPeriodEnd)
      next = s.trialWillEndSent ? trialEnd : Math.max(msOf(s.trialStart ?? s.createdAt), trialEnd - trialWillEndNotice)
      break
    }
    case "active":
    case "past_due":
      next = msOf(s.currentPeriodEnd)
      break
    default:
      return null
  }
  const due = Math.min(next, cancelAt)
  return Number.isFinite(due) ? due : null
}
