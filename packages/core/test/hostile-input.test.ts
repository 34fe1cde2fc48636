import { hostileInputScenarios } from "@billkit/testing"
import fc from "fast-check"
import { describe, expect, it, vi } from "vitest"
import { jsonDepth } from "../src/http/HostileInput.js"
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

describe("jsonDepth", () => {
  /** The nesting of a parsed value: what jsonDepth must read from its text. */
  const depthOf = (value: unknown): number =>
    Array.isArray(value) ? 1 + Math.max(0, ...value.map(depthOf))
    : typeof value === "object" && value !== null ? 1 + Math.max(0, ...Object.values(value).map(depthOf))
    : 0
  // Strings full of quotes, backslashes and brackets, which must not count as nesting.
  const tricky = fc.string({ unit: fc.constantFrom("\"", "\\", "[", "]", "{", "}", "a", "\\\"", "\\\\") })
  const value = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: "small" }, tricky, fc.integer(), fc.constant(null), fc.array(tie("node")), fc.dictionary(tricky, tie("node")))
  })).node

  it("is the nesting of the value the text holds, whatever its strings contain", () => {
    fc.assert(fc.property(value, fc.boolean(), (v, spaced) => {
      const text = JSON.stringify(v, null, spaced ? 1 : undefined)
      expect(jsonDepth(text, 1_000)).toBe(depthOf(v))
    }), { numRuns: 2_000 })
  })

  it("stops counting past the limit, and an unterminated string ends the text", () => {
    expect(jsonDepth("[".repeat(100) + "]".repeat(100), 64)).toBe(65)
    expect(jsonDepth("[[\"abc\\\"]]]]")).toBe(2)
    expect(jsonDepth("[\"a\\\\\"]")).toBe(1)
  })
})
