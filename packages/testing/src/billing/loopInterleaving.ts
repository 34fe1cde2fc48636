/**
 * The billing loop shares the storage with every other request: on SQLite one connection, which
 * a transaction holds. Another tenant's request must be served between the loop's batches, not
 * after the whole run (security #4: a renewal day froze the server). No timings: only the order.
 */
import { Clock } from "effect"
import { describe, expect, it } from "vitest"
import { billkit, fixedClock } from "@billkit/core"
import type { ScenarioContext } from "./context.js"
import { ms } from "./harness.js"

export const loopInterleavingScenarios = (ctx: ScenarioContext) =>
  describe("billing loop beside other requests", () => {
    /**
     * `subscriptions` monthly subscriptions from 1 January, and a host standing a month later,
     * when every one of them renews. At most about 30: each costs three requests of the key's
     * 100 a (fixed) second.
     */
    const renewalDay = async (subscriptions: number) => {
      const h = await ctx.harness("2024-01-01T00:00:00Z")
      const { plan } = await h.catalog({ currency: "EUR", amount: 1000 })
      for (let i = 0; i < subscriptions; i++) {
        const customer = await h.customer()
        await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })
      }
      return billkit({ storage: h.storage, clock: fixedClock(ms("2024-02-01T00:00:00Z"), Clock.make()) })
    }

    it("serves another project's read while the loop still has batches left", async () => {
      const host = await renewalDay(12)
      try {
        const other = await host.createProject("Other tenant")
        let loopDone = false
        // Six batches of two.
        const run = host.runBilling({ batchSize: 2 }).finally(() => (loopDone = true))

        const read = await host.handler(new Request("http://billkit.test/v1/customers", { headers: { authorization: `Bearer ${other.testKey}` } }))
        expect(read.status).toBe(200)
        // The read was answered while the loop still had work left.
        expect(loopDone).toBe(false)

        expect(await run).toEqual({ steps: 12, failed: [], batchesRedone: 0 })
      } finally {
        await host.dispose()
      }
    })

    it("gives I/O its turn between batches while the last batch's money is out (overlapCollection)", async () => {
      const host = await renewalDay(30)
      try {
        let loopDone = false
        const run = host.runBilling({ batchSize: 5, overlapCollection: true }).finally(() => (loopDone = true))
        // What a request on a socket needs: the event loop's turn after it has polled for I/O.
        let turns = 0
        while (!loopDone) {
          await new Promise((resolve) => setImmediate(resolve))
          turns += 1
        }
        // Six batches of five: such a turn came between every two of them (with a zero timer
        // between batches, 3 or 4 came in the whole run, on SQLite and in memory).
        expect(turns).toBeGreaterThanOrEqual(5)
        expect(await run).toEqual({ steps: 30, failed: [], batchesRedone: 0 })
      } finally {
        await host.dispose()
      }
    })
  })
