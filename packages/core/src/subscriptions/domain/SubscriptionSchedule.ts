/**
 * When the billing loop next has work for a subscription: the instant stored (indexed) as
 * `due_at`, so one range query finds every due subscription. Pure: derived from the record alone.
 */
import { DateTime } from "effect"
import type { Subscription } from "./Subscription.js"

/** `subscription.trial_will_end` fires this long before a trial ends (API.md §3). */
export const trialWillEndNotice = 3 * 86_400_000

const ms = (iso: string) => DateTime.toEpochMillis(DateTime.unsafeMake(iso))

export const dueAt = (s: Subscription): number | null => {
  const cancelAt = s.cancelAt === null ? Infinity : ms(s.cancelAt)
  let next = Infinity
  switch (s.status) {
    case "trialing": {
      const trialEnd = ms(s.trialEnd ?? s.currentPeriodEnd)
      next = s.trialWillEndSent ? trialEnd : Math.max(ms(s.trialStart ?? s.createdAt), trialEnd - trialWillEndNotice)
      break
    }
    case "active":
    case "past_due":
      next = ms(s.currentPeriodEnd)
      break
    default:
      return null
  }
  const due = Math.min(next, cancelAt)
  return Number.isFinite(due) ? due : null
}
