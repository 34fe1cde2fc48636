/**
 * `from`/`to` read a record's own time (issue #6). Ids are made by one generator per process
 * that never goes back; once one project's test clock stood months ahead, another project's
 * records made today got ids dated then, and filters that read the id put them in the wrong range.
 */
import { describe, expect, it } from "vitest"
import type { ScenarioContext } from "./context.js"

export const timeFilterScenarios = (ctx: ScenarioContext) =>
  describe("time filters beside another project's test clock", () => {
    it("finds today's live invoice, payment, refund and events of project B after project A's test clock jumped six months", async () => {
      const h = await ctx.harness("2024-01-10T12:00:00Z")
      // Project A (the harness's, test mode) moves its test time six months ahead.
      await h.advance("2024-07-10T12:00:00Z")
      // A record made there: ids are now made at 10 Jul 2024 or later.
      await h.customer({}, null)

      // Project B, live mode, at real time: 10 Jan 2024 (the harness's clock).
      const b = await h.app.createProject("Project B")
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await h.app.handler(new Request(`http://billkit.test${path}`, {
          method,
          headers: { authorization: `Bearer ${b.liveKey}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
          ...(body === undefined ? {} : { body: JSON.stringify(body) })
        }))
        const json = await response.json()
        if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status}: ${JSON.stringify(json)}`)
        return json
      }
      const customer = await call("POST", "/v1/customers", { email: "b@example.com", billing_type: "invoice" })
      await call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: "tok_visa" })
      const invoice = await call("POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "Setup", unit_amount: 5000 }] })
      await call("POST", `/v1/invoices/${invoice.id}/finalize`)
      const paid = await call("POST", `/v1/invoices/${invoice.id}/pay`, {})
      expect(paid).toMatchObject({ status: "paid", created_at: "2024-01-10T12:00:00.000Z" })
      const [payment] = (await call("GET", `/v1/payments?customer=${customer.id}`)).data
      expect(payment.created_at).toBe("2024-01-10T12:00:00.000Z")
      const refund = await call("POST", `/v1/payments/${payment.id}/refunds`, { amount: 1000 })

      const ids = async (path: string) => (await call("GET", path)).data.map((r: any) => r.id)
      // Today, within the hour: every record is there.
      const today = "from=2024-01-10T11:00:00Z&to=2024-01-10T13:00:00Z"
      expect(await ids(`/v1/invoices?${today}`)).toEqual([invoice.id])
      expect(await ids(`/v1/payments?${today}`)).toEqual([payment.id])
      expect(await ids(`/v1/refunds?${today}`)).toEqual([refund.id])
      const events = (await call("GET", `/v1/events?${today}&limit=100`)).data
      expect(events.map((e: any) => e.type)).toEqual(expect.arrayContaining(["customer.created", "invoice.paid", "payment.succeeded", "refund.created"]))
      // …and none of them in A's future.
      const later = "from=2024-06-01T00:00:00Z&to=2024-12-31T00:00:00Z"
      expect(await ids(`/v1/invoices?${later}`)).toEqual([])
      expect(await ids(`/v1/payments?${later}`)).toEqual([])
      expect(await ids(`/v1/refunds?${later}`)).toEqual([])
      expect(await ids(`/v1/events?${later}`)).toEqual([])
      // Unix seconds work the same way (10 Jan 2024 11:00 and 13:00 UTC).
      expect(await ids("/v1/invoices?from=1704884400&to=1704891600")).toEqual([invoice.id])
    })
  })
