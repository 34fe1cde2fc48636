import { hostileInputScenarios } from "@billkit/testing"
import { describe, expect, it, vi } from "vitest"
import { makeApp, memoryUnderTest } from "./support.js"

hostileInputScenarios("memory", memoryUnderTest)

describe("log amplification", () => {
  it("a 100,000-digit value is quoted by a short prefix only, in the answer and in the logs", async () => {
    const { call } = await makeApp()
    const customer = (await call("POST", "/v1/customers", { email: "log@example.com" })).json
    const written: Array<string> = []
    const spies = (["log", "error", "warn", "info", "debug"] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation((...args: Array<unknown>) => void written.push(args.map(String).join(" "))))
    try {
      const digits = "9".repeat(100_000)
      const replies = [
        await call("POST", "/v1/invoices", { customer: customer.id, currency: "EUR", lines: [{ description: "a", unit_amount: 1, quantity: digits }] }),
        await call("POST", "/v1/customers", { email: digits, name: { nested: digits } }),
        await call("GET", `/v1/customers?limit=${digits}`)
      ]
      for (const reply of replies) {
        expect(reply.status).toBeGreaterThanOrEqual(400)
        expect(reply.status).toBeLessThan(500)
        expect(reply.text.length).toBeLessThan(2_000)
      }
      expect(written.join("\n").length).toBeLessThan(5_000)
    } finally {
      for (const spy of spies) spy.mockRestore()
    }
  })
})
