/**
 * A failed renewal payment through dunning (retries 1, 3 and 5 days after the first failure),
 * to `unpaid` or, by configuration, `canceled`; paying the open invoice with a new card brings
 * an unpaid subscription back. A first payment that fails leaves the subscription `incomplete`.
 * EUR 10.00/month, no tax.
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"
import type { Harness } from "./harness.js"

const attachDefault = async (h: Harness, customer: string, token: string) => {
  const pm = await h.ok("POST", `/v1/customers/${customer}/payment-methods`, { token })
  await h.ok("POST", `/v1/customers/${customer}/payment-methods/${pm.id}/default`)
  return pm
}

/** Paid on 1 Mar 2024 with tok_visa; then the default card becomes one that declines. */
const paidThenDeclining = async (h: Harness) => {
  const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
  const customer = await h.customer()
  const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
  expect(sub.status).toBe("active")
  expect((await h.invoicesOf(sub.id))[0]).toMatchObject({ total: 1000, amount_paid: 1000, status: "paid" })
  await attachDefault(h, customer.id, "tok_chargeDeclined")
  return { customer, sub }
}

const dunningState = async (h: Harness, sub: string) => {
  const [, renewal] = await h.invoicesOf(sub)
  const s = await h.subscription(sub)
  return [s.status, renewal.status, renewal.attempt_count, renewal.next_payment_attempt, renewal.amount_paid]
}

export const dunningScenarios = (ctx: ScenarioContext) =>
  describe("failed payments and dunning", () => {
    it("renewal declined on 1 Apr: past_due, retried 2, 4 and 6 Apr, then unpaid; paying with a new card makes it active again", async () => {
      const h = await ctx.harness("2024-03-01T00:00:00Z")
      const { customer, sub } = await paidThenDeclining(h)

      // 1 Apr: 1000 due, declined (attempt 1); next try 1 Apr + 1 day.
      await h.advance("2024-04-01T00:00:00Z")
      expect(await dunningState(h, sub.id)).toEqual(["past_due", "open", 1, "2024-04-02T00:00:00.000Z", 0])
      const [, renewal] = await h.invoicesOf(sub.id)
      expect(renewal).toMatchObject({ number: "INV-000002", total: 1000, amount_due: 1000, amount_remaining: 1000 })
      // The period moved on regardless: 1 Apr → 1 May.
      expect(await h.subscription(sub.id)).toMatchObject({ current_period_start: "2024-04-01T00:00:00.000Z", current_period_end: "2024-05-01T00:00:00.000Z" })

      // 2 Apr: attempt 2 fails; next try 1 Apr + 3 days.
      await h.advance("2024-04-02T00:00:00Z")
      expect(await dunningState(h, sub.id)).toEqual(["past_due", "open", 2, "2024-04-04T00:00:00.000Z", 0])
      // 4 Apr: attempt 3 fails; next try 1 Apr + 5 days.
      await h.advance("2024-04-04T00:00:00Z")
      expect(await dunningState(h, sub.id)).toEqual(["past_due", "open", 3, "2024-04-06T00:00:00.000Z", 0])
      // 6 Apr: attempt 4, the last, fails: no more tries; the subscription is unpaid.
      await h.advance("2024-04-06T00:00:00Z")
      expect(await dunningState(h, sub.id)).toEqual(["unpaid", "open", 4, null, 0])
      const failed = (await h.ok("GET", `/v1/payments?customer=${customer.id}&status=failed`)).data
      // Four declined charges of 1000, one per attempt, each at its own instant.
      expect(failed.map((p: any) => [p.amount, p.created_at]).sort((x: any, y: any) => (x[1] < y[1] ? -1 : 1))).toEqual(
        ["2024-04-01", "2024-04-02", "2024-04-04", "2024-04-06"].map((d) => [1000, `${d}T00:00:00.000Z`])
      )

      // 10 Apr: a new default card; paying the open invoice makes the subscription active again.
      await h.advance("2024-04-10T00:00:00Z")
      await attachDefault(h, customer.id, "tok_visa")
      const paid = await h.ok("POST", `/v1/invoices/${renewal.id}/pay`, {})
      expect(paid).toMatchObject({ status: "paid", amount_paid: 1000, amount_remaining: 0, paid_at: "2024-04-10T00:00:00.000Z" })
      expect(await h.subscription(sub.id)).toMatchObject({ status: "active", current_period_end: "2024-05-01T00:00:00.000Z" })

      // And it renews as usual on 1 May.
      await h.advance("2024-05-01T00:00:00Z")
      expect((await h.invoicesOf(sub.id)).map((i: any) => [i.number, i.status, i.amount_paid])).toEqual([
        ["INV-000001", "paid", 1000],
        ["INV-000002", "paid", 1000],
        ["INV-000003", "paid", 1000]
      ])
    })

    it("with afterFinalFailure: canceled, the last failed retry on 6 Apr cancels the subscription", async () => {
      const h = await ctx.harness("2024-03-01T00:00:00Z", { afterFinalFailure: "canceled" })
      const { sub } = await paidThenDeclining(h)
      await h.advance("2024-04-04T00:00:00Z")
      expect(await dunningState(h, sub.id)).toEqual(["past_due", "open", 3, "2024-04-06T00:00:00.000Z", 0])
      await h.advance("2024-04-06T00:00:00Z")
      expect(await dunningState(h, sub.id)).toEqual(["canceled", "open", 4, null, 0])
      expect(await h.subscription(sub.id)).toMatchObject({ ended_at: "2024-04-06T00:00:00.000Z" })
      // Canceled: no renewal on 1 May.
      await h.advance("2024-05-02T00:00:00Z")
      expect(await h.invoicesOf(sub.id)).toHaveLength(2)
    })

    it("a first payment that fails leaves the subscription incomplete; paying with a new card activates it", async () => {
      const h = await ctx.harness("2024-03-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const customer = await h.customer({}, "tok_chargeDeclined")
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      expect(sub.status).toBe("incomplete")
      const [first] = await h.invoicesOf(sub.id)
      expect(first).toMatchObject({ number: "INV-000001", status: "open", attempt_count: 1, amount_due: 1000, amount_paid: 0 })

      await attachDefault(h, customer.id, "tok_visa")
      expect(await h.ok("POST", `/v1/invoices/${first.id}/pay`, {})).toMatchObject({ status: "paid", amount_paid: 1000 })
      expect(await h.subscription(sub.id)).toMatchObject({ status: "active", current_period_end: "2024-04-01T00:00:00.000Z" })
    })

    it("a first payment that keeps failing ends the subscription after the last retry and voids its invoice", async () => {
      // Declined on 1 Mar at creation; retries on 2, 4 and 6 Mar (1, 3, 5 days) also fail.
      const h = await ctx.harness("2024-03-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      const customer = await h.customer({}, "tok_chargeDeclined")
      const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      await h.advance("2024-03-05T00:00:00Z")
      expect(await h.subscription(sub.id)).toMatchObject({ status: "incomplete" })
      await h.advance("2024-03-06T00:00:00Z")
      expect(await h.subscription(sub.id)).toMatchObject({ status: "canceled", ended_at: "2024-03-06T00:00:00.000Z" })
      const [first] = await h.invoicesOf(sub.id)
      expect(first).toMatchObject({ status: "void", attempt_count: 4, amount_paid: 0 })
      // Nothing renews afterwards.
      await h.advance("2024-05-01T00:00:00Z")
      expect(await h.invoicesOf(sub.id)).toHaveLength(1)
    })
  })
