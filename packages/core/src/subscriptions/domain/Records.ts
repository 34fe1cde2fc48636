/** How subscriptions are stored: the one definition every repository of them is made from. */
import * as Collections from "../../kernel/Collections.js"
import { isoAt } from "../../kernel/Time.js"
import { Subscription } from "./Subscription.js"
import { dueAt } from "./SubscriptionSchedule.js"

export const SubscriptionRecords = Collections.records({
  collection: Collections.Subscriptions,
  schema: Subscription,
  resource: "subscription",
  // `due_at`: when the billing loop must next act on it (one indexed range query finds the due ones).
  index: (s) => {
    const due = dueAt(s)
    return { customer: s.customer, plan: s.plan, status: s.status, due_at: due === null ? null : isoAt(due) }
  }
})
