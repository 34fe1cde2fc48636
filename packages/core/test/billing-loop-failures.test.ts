/**
 * The billing loop when something breaks (house rule 8: money leaves once). A provider that
 * declines, fails, dies or hangs at any position of a batch never makes an invoice be charged
 * under a second key for the same attempt, nor paid twice; a step that dies rolls its batch back
 * before any money moved, and the redo charges each card once.
 */
import { Clock, Effect, Option } from "effect"
import { describe, expect, it } from "vitest"
import { Collections, fixedClock, IdempotencyKeyReused, makeMemoryStorage, type PaymentProviderService, type StoragePort } from "@billkit/core"
import { makeApp, seedCatalog } from "./support.js"

type Misbehaviour = "declines" | "fails" | "dies" | "hangs"

interface Call {
  readonly card: string
  readonly key: string
  readonly amount: number
}

/**
 * A counting provider with Stripe's idempotency: the first outcome per key is kept and answered
 * again. `trap` makes one call (by 0-based position among all charge calls) misbehave; a
 * misbehaving call records no outcome, so a retry under its key is a first call again.
 */
const countingProvider = (trap: { at: number; how: Misbehaviour | null }) => {
  const calls: Array<Call> = []
  const outcomes = new Map<string, { status: "succeeded" | "failed"; providerRef: string; failureCode?: string; failureMessage?: string }>()
  const provider: PaymentProviderService = {
    createPaymentMethod: (token) => Effect.succeed({ providerRef: token, brand: "test", last4: "4242", expMonth: 12, expYear: 2040 }),
    charge: (request) =>
      Effect.suspend(() => {
        const position = calls.length
        calls.push({ card: request.providerRef, key: request.idempotencyKey, amount: request.amount })
        const known = outcomes.get(request.idempotencyKey)
        if (known !== undefined) return Effect.succeed(known as any)
        if (trap.how !== null && position === trap.at) {
          switch (trap.how) {
            case "declines": {
              const declined = { status: "failed" as const, providerRef: `ch_${request.idempotencyKey}`, failureCode: "card_declined", failureMessage: "declined" }
              outcomes.set(request.idempotencyKey, declined)
              return Effect.succeed(declined)
            }
            case "fails":
              return Effect.fail(new IdempotencyKeyReused({ idempotencyKey: request.idempotencyKey, message: "refused" }))
            case "dies":
              return Effect.dieMessage("provider SDK crashed")
            case "hangs":
              return Effect.never
          }
        }
        const ok = { status: "succeeded" as const, providerRef: `ch_${request.idempotencyKey}` }
        outcomes.set(request.idempotencyKey, ok)
        return Effect.succeed(ok)
      }),
    refund: (request) => Effect.succeed({ providerRef: `re_${request.idempotencyKey}`, status: "succeeded" as const })
  }
  return { provider, calls, outcomes }
}

/** Three customers (cards card-a, card-b, card-c…) on 14-day trials from 1 Jan 2024. */
const trialing = async (provider: PaymentProviderService, count: number, storage?: StoragePort) => {
  const app = await makeApp({
    paymentProvider: provider,
    clock: fixedClock(Date.parse("2024-01-01T00:00:00Z"), Clock.make()),
    billing: { providerTimeoutMs: 50 },
    ...(storage === undefined ? {} : { storage })
  })
  const { plan } = await seedCatalog(app.call)
  const subs: Array<any> = []
  for (const name of "abcdefgh".slice(0, count)) {
    const customer = (await app.call("POST", "/v1/customers", { email: `${name}@example.com` })).json
    await app.call("POST", `/v1/customers/${customer.id}/payment-methods`, { token: `card-${name}` })
    subs.push((await app.call("POST", `/v1/customers/${customer.id}/subscriptions`, { plan: plan.code_name })).json)
  }
  const invoicesOf = async (sub: any) => (await app.call("GET", `/v1/invoices?subscription=${sub.id}`)).json.data
  const paymentsOf = async (invoice: any) =>
    ((await app.call("GET", `/v1/payments?limit=100`)).json.data as Array<any>).filter((p) => p.invoice === invoice.id)
  const advance = async (to: string) => (await app.call("POST", "/v1/test-helpers/clock/advance", { to })).json
  return { ...app, subs, invoicesOf, paymentsOf, advance }
}

const keysByCard = (calls: ReadonlyArray<Call>) => {
  const out: Record<string, Array<string>> = {}
  for (const c of calls) out[c.card] = [...new Set([...(out[c.card] ?? []), c.key])]
  return out
}

describe("billing loop failures", () => {
  it("the reported probe: c's charge dies; a and b are charged under one key each, c later under its first key", async () => {
    const { calls, provider } = countingProvider({ at: 2, how: "dies" })
    const t = await trialing(provider, 3)
    // 15 Jan: the three trials end in one batch, which commits three invoices with a pending
    // attempt each; only then is the provider called: a, b, then c (which dies).
    const first = await t.advance("2024-01-16T00:00:00Z")
    expect(calls.map((c) => c.card)).toEqual(["card-a", "card-b", "card-c"])
    const [a, b, c] = (await Promise.all(t.subs.map(t.invoicesOf))).map((l) => l[0])
    // The advance says what is left undone: c's invoice, its attempt still pending.
    expect(first.failed).toEqual([c.id])
    expect([a, b, c].map((i: any) => [i.number, i.status, i.total, i.attempt_count])).toEqual([
      ["INV-000001", "paid", 2900, 1],
      ["INV-000002", "paid", 2900, 1],
      ["INV-000003", "open", 2900, 1]
    ])
    const [pending] = await t.paymentsOf(c)
    expect(pending).toMatchObject({ status: "pending", amount: 2900, attempt: 1, idempotency_key: `${c.id}:attempt-1` })

    // The next run resumes c's attempt under the same key; nobody else is charged again.
    expect((await t.advance("2024-01-16T00:01:00Z")).failed).toEqual([])
    expect(calls.map((call) => [call.card, call.key])).toEqual([
      ["card-a", `${a.id}:attempt-1`],
      ["card-b", `${b.id}:attempt-1`],
      ["card-c", `${c.id}:attempt-1`],
      ["card-c", `${c.id}:attempt-1`]
    ])
    expect((await t.invoicesOf(t.subs[2]))[0]).toMatchObject({ status: "paid", amount_paid: 2900, paid_at: "2024-01-15T00:00:00.000Z" })
    expect((await t.paymentsOf(c)).map((p: any) => [p.status, p.amount])).toEqual([["succeeded", 2900]])
    expect((await t.call("GET", `/v1/subscriptions/${t.subs[2].id}`)).json.status).toBe("active")
    const paidEvents = (await t.call("GET", "/v1/events?type=invoice.paid")).json.data
    expect(paidEvents.map((e: any) => e.subject).sort()).toEqual([a.id, b.id, c.id].sort())
  })

  it("resumes its own pending charge however many imported pending charges (Stripe's to settle) come before it", async () => {
    const { calls, provider } = countingProvider({ at: 2, how: "dies" })
    const storage = makeMemoryStorage()
    const t = await trialing(provider, 3, storage)
    await t.advance("2024-01-16T00:00:00Z")
    const c = (await t.invoicesOf(t.subs[2]))[0]
    const [pending] = await t.paymentsOf(c)
    expect(pending.status).toBe("pending")
    // 150 pending charges imported from a connected Stripe account (a sync leaves them as Stripe
    // had them), all listed before Billkit's own: more than a page of pending payments.
    const [project] = await Effect.runPromise(storage.projects.all)
    const tenant = { projectId: project!.id, mode: "test" as const }
    const connection = `conn_${"0".repeat(25)}C`
    const template = Option.getOrThrow(await Effect.runPromise(storage.get(Collections.Payments, tenant, pending.id)))
    for (let i = 0; i < 150; i++) {
      const id = `pay_00000000000000000000000${String(i).padStart(3, "0")}`
      const ref = `ch_imported_${i}`
      const data = { ...template, id, invoice: null, idempotency_key: null, provider_ref: ref, connection, provider_ids: { stripe: ref } }
      const index = {
        customer: pending.customer, invoice: null, status: "pending", pending_invoice: null, created_at: template.created_at as string,
        provider_ref: ref, connection, provider_key: `${connection}:${ref}`
      }
      await Effect.runPromise(storage.insert(Collections.Payments, tenant, { id, data, index }))
    }
    const imported = await t.call("GET", `/v1/payments?limit=100&connection=${connection}`)
    expect(imported.status, imported.text).toBe(200)
    expect(imported.json.data[0]).toMatchObject({ status: "pending" })

    // The next run still resumes c's attempt under its first key, and leaves the imported ones to Stripe.
    expect((await t.advance("2024-01-16T00:01:00Z")).failed).toEqual([])
    expect(calls).toHaveLength(4)
    expect(calls.slice(2).map((call) => call.key)).toEqual([`${c.id}:attempt-1`, `${c.id}:attempt-1`])
    expect((await t.invoicesOf(t.subs[2]))[0]).toMatchObject({ status: "paid", amount_paid: 2900 })
  })

  it("a step that dies rolls its batch back before any money moved; the redo charges each other card once", async () => {
    // b's subscription cannot be written: its trial end dies inside the batch transaction.
    const memory = makeMemoryStorage()
    const broken = { sub: null as string | null }
    const isBroken = (spec: { name: string }, record: { id: string; data: Record<string, unknown> }) =>
      spec.name === "subscriptions" && record.id === broken.sub && record.data.status !== "trialing"
    const storage: StoragePort = {
      ...memory,
      update: (spec, tenant, record) =>
        isBroken(spec, record) ? Effect.dieMessage("disk on fire") : memory.update(spec, tenant, record),
      // The set-wise batch writes its subscriptions together: the same write dies there too.
      updateMany: (spec, tenant, records) =>
        records.some((r) => isBroken(spec, r)) ? Effect.dieMessage("disk on fire") : memory.updateMany(spec, tenant, records)
    }
    const { calls, provider } = countingProvider({ at: -1, how: null })
    const t = await trialing(provider, 3, storage)
    broken.sub = t.subs[1].id
    // Three trial-end notices (12 Jan) and two of the three trial ends.
    expect((await t.advance("2024-01-16T00:00:00Z")).steps).toBe(5)
    const [a, b, c] = await Promise.all(t.subs.map(t.invoicesOf))
    expect(a.map((i: any) => [i.number, i.status])).toEqual([["INV-000001", "paid"]])
    expect(b).toEqual([])
    expect(c.map((i: any) => [i.number, i.status])).toEqual([["INV-000002", "paid"]])
    // The rolled-back batch never reached the provider: one call per card billed.
    expect(keysByCard(calls)).toEqual({ "card-a": [`${a[0].id}:attempt-1`], "card-c": [`${c[0].id}:attempt-1`] })
    expect(calls).toHaveLength(2)

    broken.sub = null
    expect((await t.advance("2024-01-16T00:01:00Z")).steps).toBe(1)
    const [late] = await t.invoicesOf(t.subs[1])
    expect(late).toMatchObject({ number: "INV-000003", status: "paid", total: 2900, created_at: "2024-01-15T00:00:00.000Z" })
    expect(calls).toHaveLength(3)
  })

  /**
   * A memory storage whose batched recording of charge outcomes dies (its locked read of the
   * batch's payments: what a Postgres deadlock with another worker aborts), and whose write of
   * one customer's payment outcome dies `failWrites` times.
   */
  const failingRecording = () => {
    const memory = makeMemoryStorage()
    const trap = { batches: 0, customer: null as string | null, failWrites: 0 }
    const failsWrite = (spec: { name: string }, record: { data: Record<string, unknown> }) =>
      spec.name === "payments" && record.data.customer === trap.customer && record.data.status !== "pending" && trap.failWrites > 0
    const storage: StoragePort = {
      ...memory,
      findMany: (spec, tenant, field, values, options) =>
        spec.name === "payments" && field === "id" && options?.forUpdate === true && trap.batches > 0
          ? Effect.suspend(() => (trap.batches--, Effect.dieMessage("deadlock detected")))
          : memory.findMany(spec, tenant, field, values, options),
      update: (spec, tenant, record) =>
        failsWrite(spec, record) ? Effect.suspend(() => (trap.failWrites--, Effect.dieMessage("deadlock detected"))) : memory.update(spec, tenant, record),
      updateMany: (spec, tenant, records) =>
        records.some((r) => failsWrite(spec, r))
          ? Effect.suspend(() => (trap.failWrites--, Effect.dieMessage("deadlock detected")))
          : memory.updateMany(spec, tenant, records)
    }
    return { storage, trap }
  }

  it("when the batch's recording of outcomes is aborted, each outcome is recorded on its own: every card charged once, every invoice paid", async () => {
    const { storage, trap } = failingRecording()
    const { calls, outcomes, provider } = countingProvider({ at: -1, how: null })
    const t = await trialing(provider, 3, storage)
    trap.batches = 1
    expect((await t.advance("2024-01-16T00:00:00Z")).failed).toEqual([])
    expect(trap.batches).toBe(0)
    const invoices = (await Promise.all(t.subs.map(t.invoicesOf))).map((l) => l[0])
    expect(invoices.map((i: any) => [i.status, i.amount_paid, i.attempt_count])).toEqual([["paid", 2900, 1], ["paid", 2900, 1], ["paid", 2900, 1]])
    expect(calls.map((c) => c.key)).toEqual(invoices.map((i: any) => `${i.id}:attempt-1`))
    expect([...outcomes.values()].map((o) => o.status)).toEqual(["succeeded", "succeeded", "succeeded"])
    for (const invoice of invoices) expect((await t.paymentsOf(invoice)).map((p: any) => [p.status, p.amount])).toEqual([["succeeded", 2900]])
    expect((await t.call("GET", "/v1/events?type=invoice.paid")).json.data).toHaveLength(3)
  })

  it("an outcome whose own recording keeps failing stays pending, and the next run records it under the same key without charging again", async () => {
    const { storage, trap } = failingRecording()
    const { calls, outcomes, provider } = countingProvider({ at: -1, how: null })
    const t = await trialing(provider, 3, storage)
    // The batch's recording dies, then b's own recording dies on the first try and both retries.
    trap.batches = 1
    trap.customer = t.subs[1].customer
    trap.failWrites = 3
    const first = await t.advance("2024-01-16T00:00:00Z")
    const [a, b, c] = (await Promise.all(t.subs.map(t.invoicesOf))).map((l) => l[0])
    expect([trap.batches, trap.failWrites]).toEqual([0, 0])
    expect(first.failed).toEqual([b.id])
    expect([a, b, c].map((i: any) => i.status)).toEqual(["paid", "open", "paid"])
    expect((await t.paymentsOf(b)).map((p: any) => [p.status, p.idempotency_key])).toEqual([["pending", `${b.id}:attempt-1`]])
    // The money left b's card once; the next run asks again under the same key and records it.
    expect(outcomes.get(`${b.id}:attempt-1`)?.status).toBe("succeeded")
    expect((await t.advance("2024-01-16T00:01:00Z")).failed).toEqual([])
    expect(calls.map((call) => call.key)).toEqual([`${a.id}:attempt-1`, `${b.id}:attempt-1`, `${c.id}:attempt-1`, `${b.id}:attempt-1`])
    expect((await t.invoicesOf(t.subs[1]))[0]).toMatchObject({ status: "paid", amount_paid: 2900, attempt_count: 1 })
    expect((await t.paymentsOf(b)).map((p: any) => [p.status, p.amount])).toEqual([["succeeded", 2900]])
    expect((await t.call("GET", "/v1/events?type=invoice.paid")).json.data).toHaveLength(3)
  })

  const hows: ReadonlyArray<Misbehaviour> = ["declines", "fails", "dies", "hangs"]
  for (const how of hows) {
    it(`a provider that ${how} at any position of a batch of four: one key per invoice attempt, paid at most once`, async () => {
      for (let at = 0; at < 4; at++) {
        const { calls, outcomes, provider } = countingProvider({ at, how })
        const t = await trialing(provider, 4)
        await t.advance("2024-01-16T00:00:00Z")
        // Then the next run (resumes), and a day later (the declined one's dunning retry).
        await t.advance("2024-01-16T00:01:00Z")
        await t.advance("2024-01-17T00:00:00Z")
        const invoices = (await Promise.all(t.subs.map(t.invoicesOf))).map((l) => l[0])
        for (const [i, invoice] of invoices.entries()) {
          const mine = calls.filter((c) => c.card === `card-${"abcd"[i]}`)
          const keys = [...new Set(mine.map((c) => c.key))]
          // Declined: attempt 1, then the dunning retry, attempt 2. Otherwise one key, ever.
          const expected = how === "declines" && i === at ? [`${invoice.id}:attempt-1`, `${invoice.id}:attempt-2`] : [`${invoice.id}:attempt-1`]
          expect(keys, `${how} at ${at}, invoice ${i}`).toEqual(expected)
          // The provider took the money once per invoice, and Billkit recorded it once.
          expect(keys.filter((k) => outcomes.get(k)?.status === "succeeded"), `${how} at ${at}, invoice ${i}`).toHaveLength(1)
          const payments = await t.paymentsOf(invoice)
          expect(payments.filter((p: any) => p.status === "succeeded").map((p: any) => p.amount)).toEqual([2900])
          expect(payments.filter((p: any) => p.status === "pending")).toEqual([])
          expect(invoice).toMatchObject({ status: "paid", amount_paid: 2900, amount_remaining: 0 })
        }
        // Only the misbehaving call was repeated, and only under its own key.
        const repeats = calls.length - new Set(calls.map((c) => c.key)).size
        expect(repeats, `${how} at ${at}`).toBe(how === "declines" ? 0 : 1)
        await t.app.dispose()
      }
    }, 60_000)
  }
})
