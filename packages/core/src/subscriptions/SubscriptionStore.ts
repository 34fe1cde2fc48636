/** The subscriptions collection, indexed with the instant the billing loop must next act (`due_at`). */
import { Effect } from "effect"
import { Subscription } from "./domain/Subscription.js"
import { shrinkPrepaid } from "./domain/SubscriptionLines.js"
import { SubscriptionRecords } from "./domain/Records.js"
import { makeRepository } from "../kernel/Repository.js"
import { memoForStep, rememberForStep } from "../kernel/RunMemo.js"
import { SubscriptionWrites } from "./SubscriptionWrites.js"

const makeRepositoryOfSubscriptions = makeRepository(SubscriptionRecords)

/**
 * The repository, with one saving for the billing loop: inside a step, a locked read of a
 * subscription is made once, and later ones return what the step last wrote (the row stays
 * locked, and every write to it goes through a store like this one). Every insert and update is
 * reported to `SubscriptionWrites` in the same transaction (the MRR ledger appends its entries
 * there), so no writer can change a subscription's recurring value unrecorded.
 */
export const makeSubscriptionStore = Effect.gen(function*() {
  const repo = yield* makeRepositoryOfSubscriptions
  const writes = yield* SubscriptionWrites
  const key = (id: string) => `subscription:${id}`
  return {
    ...repo,
    get: (id: string, forUpdate = false) => (forUpdate ? memoForStep(key(id), repo.get(id, true)) : repo.get(id)),
    insert: (s: Subscription) => Effect.tap(repo.insert(s), (written) => writes.written(written)),
    update: (s: Subscription) =>
      Effect.tap(repo.update(s), (written) => Effect.zipRight(rememberForStep(key(s.id), written), writes.written(written)))
  }
})

export type SubscriptionStore = Effect.Effect.Success<typeof makeSubscriptionStore>

/**
 * `refunded` (with tax) of invoice `invoiceId` went back to the customer (a refund or a credit
 * note). If that invoice paid for its subscription's current stretch, what counts as prepaid
 * shrinks by it, so later credits and prorated refunds never give back more than was kept.
 */
export const shrinkPrepaidOf = (store: SubscriptionStore, subscriptionId: string | null, invoiceId: string, refunded: number) =>
  Effect.gen(function*() {
    if (subscriptionId === null || refunded <= 0) return
    const found = yield* store.find(subscriptionId, true)
    if (found._tag === "None") return
    const sub = found.value
    if (sub.prepaid === null || !sub.prepaid.invoices.includes(invoiceId)) return
    yield* store.update({ ...sub, prepaid: shrinkPrepaid(sub.prepaid, refunded) }).pipe(Effect.orDie)
  })
