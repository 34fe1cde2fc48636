/** Subscription status as a state machine: the moves a payment outcome makes, and that each is allowed. */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  afterInvoicePaid,
  afterPaymentFailed,
  canMove,
  moveTo,
  transitions
} from "../src/subscriptions/domain/SubscriptionStatus.js"
import type { Subscription, SubscriptionStatus } from "../src/subscriptions/domain/Subscription.js"

const statuses = Object.keys(transitions) as Array<SubscriptionStatus>

describe("subscription status", () => {
  it("a paid latest invoice brings past_due, unpaid and incomplete back to active, and leaves the rest", () => {
    expect(Object.fromEntries(statuses.map((s) => [s, afterInvoicePaid(s)]))).toEqual({
      incomplete: "active", trialing: null, active: null, past_due: "active", unpaid: "active", paused: null, canceled: null
    })
  })

  it("a failed payment: active → past_due while retries are left; after the last, unpaid or canceled; an unstarted one ends and voids", () => {
    expect(afterPaymentFailed("active", false, "unpaid")).toEqual({ status: "past_due", ends: false, voidInvoice: false })
    expect(afterPaymentFailed("past_due", false, "unpaid")).toBeNull()
    expect(afterPaymentFailed("past_due", true, "unpaid")).toEqual({ status: "unpaid", ends: false, voidInvoice: false })
    expect(afterPaymentFailed("active", true, "canceled")).toEqual({ status: "canceled", ends: true, voidInvoice: false })
    expect(afterPaymentFailed("incomplete", false, "unpaid")).toBeNull()
    expect(afterPaymentFailed("incomplete", true, "unpaid")).toEqual({ status: "canceled", ends: true, voidInvoice: true })
    expect(afterPaymentFailed("canceled", true, "canceled")).toBeNull()
    expect(afterPaymentFailed("paused", true, "unpaid")).toBeNull()
  })

  it("every move a payment outcome makes is one the machine allows (property)", () => {
    const status = fc.constantFrom(...statuses)
    fc.assert(fc.property(status, fc.boolean(), fc.constantFrom("unpaid" as const, "canceled" as const), (from, final, after) => {
      const paid = afterInvoicePaid(from)
      if (paid !== null) expect(canMove(from, paid)).toBe(true)
      const failed = afterPaymentFailed(from, final, after)
      if (failed !== null) expect(canMove(from, failed.status)).toBe(true)
    }))
  })

  it("canceled is final, and moveTo refuses a move the machine does not allow", () => {
    expect(transitions.canceled).toEqual([])
    const sub = { id: "sub_1", status: "canceled" } as unknown as Subscription
    expect(() => moveTo(sub, "active", "2024-01-01T00:00:00.000Z")).toThrow("cannot move from canceled to active")
    const ended = moveTo({ ...sub, status: "active" } as Subscription, "canceled", "2024-01-01T00:00:00.000Z", true)
    expect(ended).toMatchObject({ status: "canceled", canceledAt: "2024-01-01T00:00:00.000Z", endedAt: "2024-01-01T00:00:00.000Z" })
  })
})
