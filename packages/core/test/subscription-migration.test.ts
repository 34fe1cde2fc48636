/**
 * Where billing moves from Stripe to Billkit (subscriptions/domain/Migration.ts): the end of the
 * last period Stripe billed, never earlier than its current period's end, and refusals for a
 * subscription Stripe no longer bills or that someone set to cancel.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { takeoverOf } from "../src/subscriptions/domain/Migration.js"

const day = 86_400
const stripeSub = (fields: Record<string, unknown> = {}, periodEnd = 1_800_000_000, lines: Array<number> = []) => ({
  id: "sub_1", object: "subscription", status: "active", cancel_at: null, cancel_at_period_end: false,
  items: { object: "list", data: [{ id: "si_1", current_period_start: periodEnd - 30 * day, current_period_end: periodEnd }] },
  latest_invoice: { id: "in_1", lines: { object: "list", data: lines.map((end) => ({ amount: 100, period: { start: end - 30 * day, end } })) } },
  ...fields
})

describe("takeoverOf", () => {
  it("takes over at the current period's end, or at the end of a later period Stripe already invoiced", () => {
    expect(takeoverOf(stripeSub())).toEqual({ _tag: "At", at: 1_800_000_000_000 })
    expect(takeoverOf(stripeSub({}, 1_800_000_000, [1_800_000_000]))).toEqual({ _tag: "At", at: 1_800_000_000_000 })
    expect(takeoverOf(stripeSub({}, 1_800_000_000, [1_800_000_000 + 30 * day]))).toEqual({ _tag: "At", at: (1_800_000_000 + 30 * day) * 1000 })
    // Before API 2025-03-31 the period sat on the subscription itself.
    expect(takeoverOf(stripeSub({ items: { data: [{ id: "si_1" }] }, current_period_end: 1_700_000_000, latest_invoice: "in_1" })))
      .toEqual({ _tag: "At", at: 1_700_000_000_000 })
  })

  it("never hands over before the end of what Stripe billed (property)", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1_600_000_000, max: 2_000_000_000 }),
      fc.array(fc.integer({ min: 1_500_000_000, max: 2_100_000_000 }), { maxLength: 5 }),
      (periodEnd, lineEnds) => {
        const result = takeoverOf(stripeSub({}, periodEnd, lineEnds))
        expect(result).toEqual({ _tag: "At", at: Math.max(periodEnd, ...lineEnds) * 1000 })
      }
    ))
  })

  it("refuses a subscription Stripe no longer bills, or one set to cancel there, except at the instant a migration set", () => {
    for (const status of ["canceled", "incomplete_expired", "incomplete", "unpaid", "paused"]) {
      expect(takeoverOf(stripeSub({ status }))).toMatchObject({ _tag: "Refused", reason: expect.stringContaining(`is ${status} in Stripe`) })
    }
    expect(takeoverOf(stripeSub({ cancel_at_period_end: true }))).toMatchObject({ _tag: "Refused", reason: expect.stringContaining("set to cancel") })
    expect(takeoverOf(stripeSub({ cancel_at: 1_790_000_000 }))).toMatchObject({ _tag: "Refused" })
    // The migration's own cancel_at (a retry after Stripe agreed and the answer was lost).
    expect(takeoverOf(stripeSub({ cancel_at: 1_800_000_000 }), 1_800_000_000_000)).toEqual({ _tag: "At", at: 1_800_000_000_000 })
    expect(takeoverOf(stripeSub({ items: { data: [] }, latest_invoice: null }))).toMatchObject({ _tag: "Refused", reason: expect.stringContaining("no current period") })
    for (const status of ["trialing", "past_due"]) expect(takeoverOf(stripeSub({ status }))._tag).toBe("At")
  })
})
