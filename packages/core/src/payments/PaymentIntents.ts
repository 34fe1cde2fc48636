/**
 * Money leaves once (house rule 8), in three steps. 1. Inside the command's transaction, commit
 * the intent: a `pending` payment whose idempotency key is `<invoice id>:attempt-<n>`, or a
 * `pending` refund (its id is its key) with the amount reserved on its payment. 2. After commit,
 * call the provider with that key, outside any transaction. 3. Record the outcome in a
 * transaction of its own, once (a record no longer pending is left alone). A crash, a timeout or
 * a defect between 2 and 3 leaves the record pending; the billing loop resumes it with the same
 * key, and the provider answers with the first outcome. A rolled-back intent never reached the
 * provider: nothing was charged. This module holds what charges and refunds share: the intent,
 * its queue until commit, and the bounded call to the provider.
 */
import { Duration, Effect, FiberRef, Option } from "effect"
import { BillingConfig } from "../kernel/BillingConfig.js"
import type { Payment, Refund } from "./domain/Payment.js"
import type { ChargeRequest, RefundRequest } from "./PaymentProvider.js"

/** A committed intent, to be sent to the provider once its transaction has committed. */
export type MoneyIntent =
  | { readonly _tag: "charge"; readonly payment: Payment; readonly request: ChargeRequest }
  | { readonly _tag: "refund"; readonly refund: Refund; readonly request: RefundRequest }

/** Intents made inside `collectIntents`, waiting for its transaction to commit. */
const intents = FiberRef.unsafeMake<Array<MoneyIntent> | undefined>(undefined)

/**
 * Runs `self` (a transaction) and returns, with its result, the intents it committed. If it
 * fails, its intents rolled back with it and are dropped: they never reach the provider.
 */
export const collectIntents = <A, E, R>(self: Effect.Effect<A, E, R>): Effect.Effect<readonly [A, ReadonlyArray<MoneyIntent>], E, R> =>
  Effect.suspend(() => {
    const made: Array<MoneyIntent> = []
    return Effect.map(Effect.locally(self, intents, made), (a) => [a, made] as const)
  })

export const queue = (intent: MoneyIntent) =>
  Effect.map(FiberRef.get(intents), (queued) => {
    // Outside `collectIntents` the intent just stays pending: the billing loop resumes it.
    queued?.push(intent)
  })

/**
 * Asks the provider, bounded by `providerTimeoutMs`. None when the outcome is unknown (a
 * timeout, a defect, a refused key): the record stays pending and is resumed with its key.
 */
export const ask = <A>(what: string, call: Effect.Effect<A, unknown>) =>
  Effect.gen(function*() {
    const config = yield* BillingConfig
    return yield* call.pipe(
      Effect.timeoutFail({ duration: Duration.millis(config.providerTimeoutMs), onTimeout: () => "timeout" as const }),
      Effect.asSome,
      Effect.catchAllCause((cause) =>
        Effect.as(Effect.logWarning(`payment provider: ${what} left pending`, cause), Option.none<A>())
      )
    )
  })
