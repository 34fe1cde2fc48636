/**
 * The port every write of a subscription is reported through, in the writer's transaction: the
 * subscriptions feature writes subscriptions, and a higher feature (analytics' MRR ledger) learns
 * of each change without the subscriptions feature importing it. Wired in Layers.ts.
 */
import { Context, Effect, Layer } from "effect"
import type { CurrentTenant } from "../kernel/Tenancy.js"
import type { Subscription } from "./domain/Subscription.js"

export interface SubscriptionWritesService {
  /** `subscription` was just inserted or updated, in the transaction still open. */
  readonly written: (subscription: Subscription) => Effect.Effect<void, never, CurrentTenant>
}

export class SubscriptionWrites extends Context.Tag("@billkit/core/SubscriptionWrites")<SubscriptionWrites, SubscriptionWritesService>() {}

/** Nobody listens: for hosts and tests that compose services without analytics. */
export const layerNoSubscriptionWrites = Layer.succeed(SubscriptionWrites, { written: () => Effect.void })
