/**
 * Subscription status as a state machine: the moves that exist, and the pure rules for the moves
 * an invoice's payment outcome causes. The subscriptions feature is the only writer of status,
 * and every change of it after creation goes through `moveTo` (trial end, conversion and resume
 * start billing; pause; cancel and end; payment outcomes); invoicing reports payment outcomes
 * through its `InvoiceSubscriptions` port and this module decides what they do.
 */
import type { Subscription, SubscriptionStatus } from "./Subscription.js"

/** Every status and where it may go next (a status may always stay as it is). */
export const transitions: Readonly<Record<SubscriptionStatus, ReadonlyArray<SubscriptionStatus>>> = {
  // The first payment is in flight or failed: it succeeds, or the subscription never starts.
  incomplete: ["active", "canceled"],
  trialing: ["active", "past_due", "paused", "canceled"],
  active: ["past_due", "unpaid", "paused", "canceled"],
  past_due: ["active", "unpaid", "paused", "canceled"],
  unpaid: ["active", "canceled"],
  paused: ["active", "trialing", "canceled"],
  canceled: []
}

export const canMove = (from: SubscriptionStatus, to: SubscriptionStatus): boolean =>
  from === to || transitions[from].includes(to)

/** The status after the subscription's latest invoice got paid, or null to stay. */
export const afterInvoicePaid = (status: SubscriptionStatus): SubscriptionStatus | null =>
  status === "past_due" || status === "unpaid" || status === "incomplete" ? "active" : null

export interface AfterPaymentFailed {
  readonly status: SubscriptionStatus
  /** The subscription ends now (`canceled_at`, `ended_at`). */
  readonly ends: boolean
  /** It never started (Stripe's incomplete_expired): its unpaid first invoice is to be voided. */
  readonly voidInvoice: boolean
}

/**
 * The status after an automatic payment of the latest invoice failed, or null to stay. `final`
 * when dunning has no retry left; then an active or past-due subscription becomes
 * `afterFinalFailure`, and one whose first payment never succeeded ends.
 */
export const afterPaymentFailed = (
  status: SubscriptionStatus,
  final: boolean,
  afterFinalFailure: "unpaid" | "canceled"
): AfterPaymentFailed | null => {
  if (final && (status === "past_due" || status === "active")) {
    return { status: afterFinalFailure, ends: afterFinalFailure === "canceled", voidInvoice: false }
  }
  if (final && status === "incomplete") return { status: "canceled", ends: true, voidInvoice: true }
  if (!final && status === "active") return { status: "past_due", ends: false, voidInvoice: false }
  return null
}

/** `sub` moved to `status` at `now`; a move the machine does not allow is a defect of the caller. */
export const moveTo = (sub: Subscription, status: SubscriptionStatus, now: string, ends = false): Subscription => {
  if (!canMove(sub.status, status)) throw new Error(`subscription ${sub.id} cannot move from ${sub.status} to ${status}`)
  return { ...sub, status, ...(ends ? { canceledAt: now, endedAt: now } : {}), updatedAt: now }
}

/**
 * A subscription with nothing pending: no cancellation, pause, scheduled change or prepaid
 * period. What a new subscription starts with, and what a takeover from Stripe starts from.
 */
export const nothingPending = {
  cancelAtPeriodEnd: false,
  cancelAt: null,
  cancelRefundType: null,
  cancelComment: null,
  canceledAt: null,
  endedAt: null,
  pausedAt: null,
  scheduledChange: null,
  prepaid: null
} as const satisfies Partial<Subscription>
