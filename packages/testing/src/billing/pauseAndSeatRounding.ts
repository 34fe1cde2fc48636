/** Pausing and resuming never bills time twice; a seat credit is rounded once. */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import { linesOf } from "./harness.js"

export const pauseAndSeatRoundingScenarios = (ctx: ScenarioContext) =>
  describe("pause, resume and seat rounding", () => {
    it("pause on 16 Apr credits the unused half; resuming on 21 Apr bills a new month less that credit (EUR)", async () => {
      // 30.00 € a month from 1 Apr 2024 (30 days), no tax, paid 3000.
      // Pause 16 Apr 00:00: 15 of 30 days unused → pending credit −3000 × 15/30 = −1500.
      // Resume 21 Apr: a new period 21 Apr → 21 May, 3000, less the credit: 1500 due.
      // Paid in all 4500 = 1–16 Apr (1500) + 21 Apr – 21 May (3000): nothing twice.
      const h = await ctx.harness("2024-04-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 3000 })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      await h.advance("2024-04-16T00:00:00Z")
      expect(await h.ok("POST", `/v1/subscriptions/${sub.id}/pause`)).toMatchObject({ status: "paused" })
      await h.advance("2024-04-21T00:00:00Z")
      expect(await h.ok("POST", `/v1/subscriptions/${sub.id}/resume`)).toMatchObject({
        status: "active",
        current_period_start: "2024-04-21T00:00:00.000Z",
        current_period_end: "2024-05-21T00:00:00.000Z"
      })
      const [, resumed] = await h.invoicesOf(sub.id)
      expect(linesOf(resumed)).toEqual([["proration", -1500, -1500], ["subscription", 3000, 3000]])
      expect(resumed).toMatchObject({ total: 1500, amount_paid: 1500, status: "paid" })
    })

    it("removing a seat credits its unused time rounded once (−333, not −334)", async () => {
      // 10.00 € per seat, 3 seats from 1 Jun 2031 (30 days): prepaid 3000.
      // 11 Jun, +2 seats: 20/30 left; rest of prepaid 3000 × 20/30 = 2000; charge 2 × 1000 × 20/30 = 1333.33 → 1333;
      //   prepaid from 11 Jun: 2000 + 1333 = 3333 for 5 seats.
      // 21 Jun, −1 seat: 10 of the 20 days since 11 Jun left: 3333 × 1/5 × 10/20 = 333.3 → −333.
      const h = await ctx.harness("2031-06-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000, perSeat: true })
      const customer = await h.customer()
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name, seats: 3 })
      await h.advance("2031-06-11T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/add`, { seats: 2 })
      await h.advance("2031-06-21T00:00:00Z")
      await h.ok("POST", `/v1/subscriptions/${sub.id}/seats/remove`, { seats: 1 })
      const upcoming = await h.ok("GET", `/v1/subscriptions/${sub.id}/upcoming-invoice`)
      expect(linesOf(upcoming)).toEqual([["proration", 1333, 1333], ["proration", -333, -333], ["subscription", 4000, 4000]])
    })
  })
