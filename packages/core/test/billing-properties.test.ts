/**
 * Billing invariants over random inputs, end to end through the REST surface on memory storage:
 * prorated changes add up to the time-weighted price, invoices add up, and the loop is idempotent.
 */
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { makeMemoryStorage } from "@billkit/core"
import { makeHarness } from "../../testing/src/billing/harness.js"

const start = "2024-03-01T00:00:00Z"
const periodStart = Date.parse(start)
const periodEnd = Date.parse("2024-04-01T00:00:00Z")
const seconds = (periodEnd - periodStart) / 1000

describe("billing properties", () => {
  it("changes inside a period: the prorated lines plus the unchanged first stretch equal the time-weighted price, within one minor unit per line", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5_000_000 }), { minLength: 1, maxLength: 4 }),
        fc.uniqueArray(fc.integer({ min: 1, max: seconds - 1 }), { minLength: 1, maxLength: 4 }),
        async (amounts, offsets) => {
          const changes = [...offsets].sort((a, b) => a - b).slice(0, amounts.length)
          const h = await makeHarness(makeMemoryStorage(), start)
          try {
            const { plan, product } = await h.catalog({ currency: "EUR", amount: 10_000 })
            const prices = [plan.prices[0]]
            for (const amount of amounts) {
              const p = await h.ok("POST", `/v1/products/${product.id}/prices`, { amount, currency: "EUR", schedule: "month" })
              prices.push(p.id)
            }
            await h.ok("PATCH", `/v1/plans/${plan.id}`, { prices })
            const customer = await h.customer()
            const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id, price: prices[0] })
            for (const [i, offset] of changes.entries()) {
              await h.advance(new Date(periodStart + offset * 1000).toISOString())
              await h.ok("POST", `/v1/subscriptions/${sub.id}/change-price`, { price: prices[i + 1], proration: "always_invoice" })
            }
            const lines = (await h.invoicesOf(sub.id)).flatMap((i: any) => i.lines)
            const billed = lines.reduce((n: number, l: any) => n + l.amount, 0)
            // Exact: each price times the share of the period it was held.
            const held = [0, ...changes, seconds]
            const all = [10_000, ...amounts.slice(0, changes.length)]
            const exact = all.reduce((n, amount, i) => n + (amount * (held[i + 1] - held[i])) / seconds, 0)
            expect(Math.abs(billed - exact)).toBeLessThanOrEqual(lines.length)
          } finally {
            await h.dispose()
          }
        }
      ),
      { numRuns: 15 }
    )
  }, 120_000)

  it("an invoice's total is the sum of its lines, and sub_total − discount + tax = total on every line", async () => {
    const h = await makeHarness(makeMemoryStorage(), start)
    try {
      const customer = await h.customer({}, null)
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.record({
              quantity: fc.integer({ min: 0, max: 1000 }),
              unit_amount: fc.integer({ min: 0, max: 10_000_000 }),
              tax_rate: fc.integer({ min: 0, max: 2500 }).map((n) => (n / 100).toFixed(2)),
              including_tax: fc.boolean()
            }),
            { minLength: 1, maxLength: 8 }
          ),
          fc.constantFrom("EUR", "JPY", "KWD"),
          async (lines, currency) => {
            const invoice = await h.ok("POST", "/v1/invoices", {
              customer: customer.id,
              currency,
              lines: lines.map((l, i) => ({ description: `line ${i}`, ...l }))
            })
            const sum = (pick: (l: any) => number) => invoice.lines.reduce((n: number, l: any) => n + pick(l), 0)
            expect(invoice.total).toBe(sum((l) => l.total))
            expect(invoice.tax_total).toBe(sum((l) => l.tax_total))
            expect(invoice.sub_total).toBe(sum((l) => l.sub_total))
            for (const l of invoice.lines) expect(l.sub_total - l.discount + l.tax_total).toBe(l.total)
            const finalized = await h.ok("POST", `/v1/invoices/${invoice.id}/finalize`)
            expect(finalized.total).toBe(invoice.total)
          }
        ),
        { numRuns: 40 }
      )
    } finally {
      await h.dispose()
    }
  }, 120_000)

  it("running the loop again after any advance writes no new invoice", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            schedule: fc.constantFrom("week", "month", "year"),
            trialDays: fc.constantFrom(0, 0, 3, 14),
            startOffsetDays: fc.integer({ min: 0, max: 40 })
          }),
          { minLength: 1, maxLength: 4 }
        ),
        fc.integer({ min: 1, max: 400 }),
        async (subs, days) => {
          const h = await makeHarness(makeMemoryStorage(), start)
          try {
            let t = periodStart
            for (const [i, s] of [...subs].sort((a, b) => a.startOffsetDays - b.startOffsetDays).entries()) {
              t = Math.max(t, periodStart + s.startOffsetDays * 86_400_000)
              await h.advance(new Date(t).toISOString())
              const { plan } = await h.catalog({ currency: "EUR", amount: 1000 + i, schedule: s.schedule, trialDays: s.trialDays })
              const customer = await h.customer()
              await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.id })
            }
            await h.advance(new Date(t + days * 86_400_000).toISOString())
            const before = await h.ok("GET", "/v1/invoices?limit=100&include_total=true")
            await h.ok("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })
            await h.app.runBilling()
            const after = await h.ok("GET", "/v1/invoices?limit=100&include_total=true")
            expect(after.total).toBe(before.total)
          } finally {
            await h.dispose()
          }
        }
      ),
      { numRuns: 15 }
    )
  }, 120_000)
})
