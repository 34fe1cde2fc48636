/**
 * The set-wise billing loop (one prefetch per table, multi-row writes: kernel/StorageBatch) bills
 * exactly what the step-by-step loop bills. For random batches of subscriptions — plans and
 * currencies, seats, trials, declining cards, cancellations and plan changes at period end, seat
 * additions with prorations — two identical projects are run through the same billing runs, one
 * set-wise, one reading and writing row by row without the overlay, in the same random batch
 * sizes; what they store (subscriptions, invoices with numbers, statuses, amounts and every line,
 * payments, invoice items) must be equal, invoice for invoice.
 *
 * Likewise the loop that bills the next batch while the last one's charges are out
 * (`overlapCollection`, Postgres's default) bills what the loop settling each batch first bills,
 * subscription for subscription: only the order of invoice numbers across customers may differ.
 */
import fc from "fast-check"
import { Clock, Effect } from "effect"
import { describe, expect, it } from "vitest"
import {
  billkit,
  Collections,
  fixedClock,
  layerIdGenerator,
  IdGenerator,
  makeFakePaymentProvider,
  makeMemoryStorage,
  type CollectionSpec,
  type LoopOptions,
  type PaymentProviderService,
  type StoragePort
} from "@billkit/core"
import { makeHarness, type Harness } from "../../testing/src/billing/harness.js"

const start = "2024-01-01T00:00:00Z"
const day = 86_400_000

interface SubSpec {
  readonly plan: number
  readonly seats: number
  readonly trial: boolean
  readonly card: "tok_visa" | "tok_chargeDeclined"
  readonly action: "none" | "cancel_at_end" | "change_next_cycle" | "add_seats"
}

const subSpec: fc.Arbitrary<SubSpec> = fc.record({
  plan: fc.integer({ min: 0, max: 2 }),
  seats: fc.integer({ min: 1, max: 4 }),
  trial: fc.boolean(),
  card: fc.constantFrom("tok_visa" as const, "tok_visa" as const, "tok_chargeDeclined" as const),
  action: fc.constantFrom("none" as const, "cancel_at_end" as const, "change_next_cycle" as const, "add_seats" as const)
})

/** The same project on a fresh memory storage (or `storage`): three plans, then one customer and subscription per spec. */
const setUp = async (specs: ReadonlyArray<SubSpec>, storage: StoragePort = makeMemoryStorage()) => {
  const h = await makeHarness(storage, start)
  const plans = [
    (await h.catalog({ currency: "EUR", amount: 1_990, perSeat: true, trialDays: 14 })).plan,
    (await h.catalog({ currency: "USD", amount: 4_900, trialDays: 14 })).plan,
    (await h.catalog({ currency: "JPY", amount: 3_000, schedule: "week", perSeat: true, trialDays: 14 })).plan
  ]
  const subs: Array<string> = []
  for (const spec of specs) {
    const customer = await h.customer({}, spec.card)
    const sub = await h.ok("POST", `/v1/customers/${customer.id}/subscriptions`, {
      plan: plans[spec.plan].id, seats: spec.seats, ...(spec.trial ? {} : { deny_trial: true })
    })
    subs.push(sub.id)
  }
  return { h, plans, subs }
}

/** Actions a customer takes mid-period (after the first run), the same on both projects. */
const act = async (p: Project, specs: ReadonlyArray<SubSpec>) => {
  for (const [i, spec] of specs.entries()) {
    const id = p.subs[i]
    if (spec.action === "cancel_at_end") await p.h.call("POST", `/v1/subscriptions/${id}/cancel`, { when: "end_of_period" })
    if (spec.action === "change_next_cycle") await p.h.call("POST", `/v1/subscriptions/${id}/change-plan`, { plan: p.plans[(spec.plan + 1) % 3].id, when: "next_cycle" })
    if (spec.action === "add_seats") await p.h.call("POST", `/v1/subscriptions/${id}/seats/add`, { seats: 2 })
  }
}

type Project = Awaited<ReturnType<typeof setUp>>

/**
 * Two projects set up alike through the same billing runs (trial notices and ends, the first
 * renewals, dunning retries, the changes at period end), the customers acting after the first;
 * `run` bills both at `at` in `batchSize` (the batch size decides which rows go together, so the
 * order of invoice numbers) and checks them.
 */
const throughTheRuns = async (
  specs: ReadonlyArray<SubSpec>,
  batchSizes: ReadonlyArray<number>,
  projects: readonly [Project, Project],
  run: (at: number, batchSize: number) => Promise<void>
) => {
  for (const [r, d] of [0, 15, 16, 20, 36, 46, 95].entries()) {
    if (r === 1) for (const p of projects) await act(p, specs)
    await run(Date.parse(start) + d * day + 1000, batchSizes[r % batchSizes.length])
  }
}

const runAt = async (h: Harness, at: number, options: LoopOptions, paymentProvider?: PaymentProviderService) => {
  const app = billkit({ storage: h.storage, clock: fixedClock(at, Clock.make()), ...(paymentProvider === undefined ? {} : { paymentProvider }) })
  try {
    return await app.runBilling(options)
  } finally {
    await app.dispose()
  }
}

/** The project's stored records of `spec` in `mode`, in id order. */
const stored = async (p: Project, spec: CollectionSpec, mode: "test" | "live" = "test") => {
  const [project] = await Effect.runPromise(p.h.storage.projects.all)
  return (await Effect.runPromise(p.h.storage.list(spec, { projectId: project.id, mode }, { limit: 1000 }))).data as Array<Record<string, any>>
}

/**
 * `value` with every id (also inside other strings: a provider reference, an idempotency key)
 * replaced by its order of first appearance, and with `blankNumbers`, every invoice number by
 * `INV-#`: the two projects' ids differ, their structure must not.
 */
const canonical = (value: unknown, blankNumbers = false): unknown => {
  const seen = new Map<string, string>()
  const canon = (v: unknown): unknown => {
    if (typeof v === "string") {
      const named = v.replace(/[a-z]+_[0-9A-HJKMNP-TV-Z]{26}/g, (id) => {
        if (!seen.has(id)) seen.set(id, `#${seen.size}`)
        return seen.get(id)!
      })
      return blankNumbers ? named.replace(/INV-\d+/g, "INV-#") : named
    }
    if (Array.isArray(v)) return v.map(canon)
    if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canon(x)]))
    return v
  }
  return canon(value)
}

const billingCollections = [Collections.Subscriptions, Collections.Invoices, Collections.Payments, Collections.InvoiceItems]

/** Everything the project stores about billing (subscriptions, invoices, payments, items), in id order. */
const ledger = async (p: Project) => {
  const out: Record<string, unknown> = {}
  for (const mode of ["test", "live"] as const) {
    for (const spec of billingCollections) out[`${mode}:${spec.name}`] = await stored(p, spec, mode)
  }
  return canonical(out)
}

/**
 * The project's billing, subscription by subscription (in the order they were made): each one's
 * record, then its invoices by period with their payments by attempt, and its invoice items. Ids
 * are named by first appearance in that order, and invoice numbers left out: those follow the
 * order in which the loop reached customers, which the overlap may change.
 */
const bySubscription = async (p: Project) => {
  const [subscriptions, invoices, payments, items] = await Promise.all(billingCollections.map((spec) => stored(p, spec)))
  const by = <A>(key: (a: A) => string) => (a: A, b: A) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
  const out = p.subs.map((id) => ({
    subscription: subscriptions.find((s) => s.id === id),
    invoices: invoices
      .filter((i) => i.subscription === id)
      .sort(by((i) => `${i.period_start}|${i.billing_reason}|${i.created_at}`))
      .map(({ number: _number, ...invoice }) => ({
        invoice,
        payments: payments.filter((pay) => pay.invoice === invoice.id).sort(by((pay) => `${pay.created_at}|${pay.idempotency_key ?? ""}`))
      })),
    items: items.filter((item) => item.subscription === id).sort(by((item) => `${item.created_at}|${item.description}|${item.amount}`))
  }))
  return { subscriptions: canonical(out, true), invoices: invoices.length, payments: payments.length }
}

/**
 * The fake provider, answering each charge a few milliseconds late, and a memory storage that
 * counts the records written while a charge is out: the overlap, seen.
 */
const slowProviderAndStorage = () => {
  const fake = makeFakePaymentProvider(Effect.runSync(Effect.provide(IdGenerator, layerIdGenerator)))
  const late = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 3)))
  let out = 0
  const seen = { writesWhileChargesOut: 0 }
  const provider: PaymentProviderService = {
    ...fake,
    charge: (request) =>
      Effect.zipRight(Effect.sync(() => (out += 1)), Effect.zipRight(late, fake.charge(request))).pipe(Effect.ensuring(Effect.sync(() => (out -= 1))))
  }
  const memory = makeMemoryStorage()
  const noting = (count: number) => Effect.sync(() => {
    if (out > 0) seen.writesWhileChargesOut += count
  })
  const storage: StoragePort = {
    ...memory,
    insert: (spec, tenant, record) => Effect.zipRight(noting(1), memory.insert(spec, tenant, record)),
    insertMany: (spec, tenant, records) => Effect.zipRight(noting(records.length), memory.insertMany(spec, tenant, records)),
    update: (spec, tenant, record) => Effect.zipRight(noting(1), memory.update(spec, tenant, record)),
    updateMany: (spec, tenant, records) => Effect.zipRight(noting(records.length), memory.updateMany(spec, tenant, records))
  }
  return { provider, storage, seen }
}

describe("set-wise billing loop", () => {
  it("bills random batches exactly as the step-by-step loop does, invoice for invoice", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(subSpec, { minLength: 1, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 4, maxLength: 4 }),
        async (specs, batchSizes) => {
          const setWise = await setUp(specs)
          const stepwise = await setUp(specs)
          try {
            // The same batches: one set-wise, one read and written row by row.
            await throughTheRuns(specs, batchSizes, [setWise, stepwise], async (at, batchSize) => {
              const a = await runAt(setWise.h, at, { batchSize })
              const b = await runAt(stepwise.h, at, { batchSize, setWise: false })
              expect(a.failed).toEqual([])
              expect(b.failed).toEqual([])
              // Set-wise for real: no batch fell back to row by row (which would make both sides equal trivially).
              expect(a.batchesRedone).toBe(0)
              expect(await ledger(setWise)).toEqual(await ledger(stepwise))
            })
          } finally {
            await setWise.h.dispose()
            await stepwise.h.dispose()
          }
        }
      ),
      { numRuns: 6 }
    )
  }, 600_000)

  it("bills random batches with the next batch billed while the last one's charges are out as it does settling each batch first", async () => {
    let writtenWhileChargesOut = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(subSpec, { minLength: 2, maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }),
        async (specs, batchSizes) => {
          const slow = slowProviderAndStorage()
          const overlapped = await setUp(specs, slow.storage)
          const settled = await setUp(specs)
          try {
            await throughTheRuns(specs, batchSizes, [overlapped, settled], async (at, batchSize) => {
              const a = await runAt(overlapped.h, at, { batchSize, overlapCollection: true }, slow.provider)
              const b = await runAt(settled.h, at, { batchSize, overlapCollection: false }, slowProviderAndStorage().provider)
              expect(a.failed).toEqual([])
              expect(b.failed).toEqual([])
              expect(a.steps).toBe(b.steps)
              expect(await bySubscription(overlapped)).toEqual(await bySubscription(settled))
            })
            writtenWhileChargesOut += slow.seen.writesWhileChargesOut
          } finally {
            await overlapped.h.dispose()
            await settled.h.dispose()
          }
        }
      ),
      { numRuns: 6 }
    )
    // Overlapped for real: the next batch wrote while charges were out (else both sides are trivially equal).
    expect(writtenWhileChargesOut).toBeGreaterThan(0)
  }, 600_000)
})
