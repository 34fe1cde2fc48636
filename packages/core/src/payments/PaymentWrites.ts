/**
 * The port every write of a payment's or refund's status is reported through, in the writer's
 * transaction: a higher feature (analytics' revenue rollups) learns of each change without the
 * payments feature importing it. Wired in Layers.ts.
 */
import { Context, Effect, Layer } from "effect"
import type { CurrentTenant } from "../kernel/Tenancy.js"
import type { Payment, Refund } from "./domain/Payment.js"

/** What revenue needs of a payment or refund. */
export interface MoneyRecord {
  readonly kind: "payment" | "refund"
  readonly currency: string
  readonly amount: number
  readonly status: string
  readonly createdAt: string
}

/** A payment or refund as `written` reports it. */
export const moneyOf = (kind: "payment" | "refund", r: Payment | Refund): MoneyRecord => ({ kind, currency: r.currency, amount: r.amount, status: r.status, createdAt: r.createdAt })

export interface PaymentWritesService {
  /** A payment or refund went from `before` (undefined: just inserted) to `after`, in the transaction still open. */
  readonly written: (before: MoneyRecord | undefined, after: MoneyRecord) => Effect.Effect<void, never, CurrentTenant>
}

export class PaymentWrites extends Context.Tag("@billkit/core/PaymentWrites")<PaymentWrites, PaymentWritesService>() {}

/** Nobody listens: for hosts and tests that compose services without analytics. */
export const layerNoPaymentWrites = Layer.succeed(PaymentWrites, { written: () => Effect.void })
