/** How subscriptions are stored: the one definition every repository of them is made from. */
import { Schema } from "effect"
import * as Collections from "../../kernel/Collections.js"
import { isoAt } from "../../kernel/Time.js"
import { Subscription } from "./Subscription.js"
import { dueAt } from "./SubscriptionSchedule.js"
import { providerLinkIndex } from "../../kernel/ProviderLink.js"

export const SubscriptionRecords = Collections.records({
  collection: Collections.Subscriptions,
  schema: Subscription,
  resource: "subscription",
  // `due_at`: when the billing loop must next act on it (one indexed range query finds the due ones).
  index: (s) => {
    const due = dueAt(s)
    return { customer: s.customer, plan: s.plan, status: s.status, due_at: due === null ? null : isoAt(due), ...providerLinkIndex(s) }
  }
})

/** One step of work the billing loop has done, recorded so that it is never done twice. */
export const BillingRun = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("billing_run"),
  key: Schema.String,
  createdAt: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("created_at"))
})

export const BillingRunRecords = Collections.records({
  collection: Collections.BillingRuns,
  schema: BillingRun,
  resource: "billing run",
  index: (r) => ({ key: r.key })
})
