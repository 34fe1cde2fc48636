/**
 * The port's subscription calls on the real SDK against the fake Stripe (migrating off Stripe
 * Billing): a subscription read with its latest invoice expanded, `cancel_at` set once under an
 * idempotency key (replayed, never applied twice; the same key with another instant refused), and
 * failures told apart: Stripe failing may be retried, Stripe refusing may not.
 */
import { Effect } from "effect"
import { makeStripeAccounts } from "@billkit/stripe"
import { listSeeds, seedList, startFakeStripe, type FakeStripe } from "@billkit/testing/stripe"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

let fake: FakeStripe
const accounts = () => makeStripeAccounts({ apiBase: fake.url, maxNetworkRetries: 0 })
const day = 86_400

beforeAll(async () => {
  fake = await startFakeStripe()
})
afterAll(async () => fake?.close())

const seed = (suffix: string) => {
  const now = fake.store.now()
  const end = now + 20 * day
  seedList(fake.store, "subscriptions", [{
    id: `sub_${suffix}`, created: now - 40 * day, object: "subscription", status: "active", customer: "cus_x", cancel_at: null,
    cancel_at_period_end: false, latest_invoice: `in_${suffix}`,
    items: { object: "list", data: [{ id: `si_${suffix}`, price: "price_x", quantity: 1, current_period_start: now - 10 * day, current_period_end: end }] }
  } as never])
  seedList(fake.store, "invoices", [{
    id: `in_${suffix}`, created: now - 10 * day, object: "invoice", status: "paid",
    lines: { object: "list", data: [{ amount: 4900, period: { start: now - 10 * day, end } }] }
  } as never])
  return { id: `sub_${suffix}`, end }
}
const stored = (id: string) => listSeeds.get(fake.store)?.get("subscriptions")?.find((o) => o.id === id) as Record<string, unknown>

describe("subscriptions through the stripe SDK", () => {
  it("reads a subscription with its latest invoice expanded", async () => {
    const { id, end } = seed("read")
    const read = await Effect.runPromise(accounts().retrieveSubscription(fake.secretKey, id))
    expect(read).toMatchObject({ id, status: "active", customer: "cus_x" })
    expect(read.data).toMatchObject({ latest_invoice: { id: "in_read", lines: { data: [{ period: { end } }] } } })
  })

  it("sets cancel_at once per idempotency key, without proration, and refuses the key with another instant", async () => {
    const { id, end } = seed("cancel")
    const service = accounts()
    const cancel = (at: number) => Effect.runPromise(Effect.either(service.cancelSubscriptionAt(fake.secretKey, id, { at, idempotencyKey: "billkit_migrate_sub_1" })))
    const first = await cancel(end)
    expect(first._tag).toBe("Right")
    expect(stored(id)).toMatchObject({ cancel_at: end, cancel_at_period_end: false })
    expect((await cancel(end))._tag).toBe("Right")
    const calls = fake.store.calls.filter((c) => c.idempotencyKey === "billkit_migrate_sub_1")
    expect(calls.map((c) => [c.status, c.replayed])).toEqual([[200, false], [200, true]])
    const other = await cancel(end + day)
    expect(other).toMatchObject({ _tag: "Left", left: { _tag: "ProviderCallFailed", retryable: false } })
    expect(stored(id).cancel_at).toBe(end)
  })

  it("reports Stripe failing as retryable and Stripe refusing as not", async () => {
    const { id, end } = seed("fail")
    const service = accounts()
    fake.store.failNext("POST", "/v1/subscriptions/")
    const failed = await Effect.runPromise(Effect.either(service.cancelSubscriptionAt(fake.secretKey, id, { at: end, idempotencyKey: "k_fail" })))
    expect(failed).toMatchObject({ _tag: "Left", left: { _tag: "ProviderCallFailed", retryable: true } })
    expect(stored(id).cancel_at).toBeNull()
    // The failure was not kept under the key: the retry runs.
    expect((await Effect.runPromise(Effect.either(service.cancelSubscriptionAt(fake.secretKey, id, { at: end, idempotencyKey: "k_fail" }))))._tag).toBe("Right")
    expect(stored(id).cancel_at).toBe(end)
    const missing = await Effect.runPromise(Effect.either(service.retrieveSubscription(fake.secretKey, "sub_gone")))
    expect(missing).toMatchObject({ _tag: "Left", left: { _tag: "ProviderCallFailed", retryable: false, message: expect.stringContaining("No such subscription") } })
    const past = await Effect.runPromise(Effect.either(service.cancelSubscriptionAt(fake.secretKey, id, { at: fake.store.now() - 60, idempotencyKey: "k_past" })))
    expect(past).toMatchObject({ _tag: "Left", left: { retryable: false, message: expect.stringContaining("cancel_at must be in the future") } })
  })
})
