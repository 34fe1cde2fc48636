/** The subscriptions collection, indexed with the instant the billing loop must next act (`due_at`). */
import { Effect } from "effect"
import { Subscription } from "../domain/Subscription.js"
import { dueAt } from "../domain/SubscriptionSchedule.js"
import * as Collections from "../storage/Collections.js"
import { makeRepository } from "./Repository.js"
import { isoAt } from "./Time.js"

export const makeSubscriptionStore = makeRepository(Collections.Subscriptions, Subscription, {
  resource: "subscription",
  index: (s) => {
    const due = dueAt(s)
    return { customer: s.customer, plan: s.plan, status: s.status, due_at: due === null ? null : isoAt(due) }
  }
})

export type SubscriptionStore = Effect.Effect.Success<typeof makeSubscriptionStore>
