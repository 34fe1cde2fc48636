// Seeds a bench database: N customers with a tok_visa card, each subscribed to a 30-day-trial
// monthly plan (cheap to create: no invoice). The first loop run at `trialEnd` bills every first
// period; the next, at `renewal`, renews them all.
import { Clock, Effect, Layer } from "effect"
import { CurrentTenant, Customers, PaymentMethods, Plans, Prices, Products, ServicesLive, Storage, Subscriptions, billkit, fixedClock } from "@billkit/core"

export const start = Date.parse("2024-01-01T00:00:00Z")
export const trialEnd = Date.parse("2024-01-31T00:00:00Z")
export const renewal = Date.parse("2024-02-29T00:00:00Z")

/** Runs `effect` on the storage's services at `now`, as tenant `tenant`. */
const runAt = (storage, now, tenant, effect) =>
  Effect.runPromise(
    effect.pipe(
      Effect.provideService(CurrentTenant, tenant),
      // As billkit() runs them: spans off unless a tracer is configured.
      Effect.provide(ServicesLive.pipe(Layer.provideMerge(Layer.succeed(Storage, storage)), Layer.provideMerge(Layer.setTracerEnabled(false)))),
      Effect.withClock(fixedClock(now, Clock.make()))
    )
  )

export const seed = async (storage, n) => {
  const app = billkit({ storage, clock: fixedClock(start, Clock.make()) })
  const { projectId } = await app.bootstrap()
  await app.dispose()
  const tenant = { projectId, mode: "test" }
  const plan = await runAt(storage, start, tenant, Effect.gen(function* () {
    const product = yield* (yield* Products).create({ name: "Pro" })
    const price = yield* (yield* Prices).create(product.id, { amount: 2900, currency: "EUR", schedule: "month" })
    return yield* (yield* Plans).create({ name: "Pro", codeName: "pro", product: product.id, prices: [price.id], trialLengthDays: 30 })
  }))
  const batch = 500
  const batches = Array.from({ length: Math.ceil(n / batch) }, (_, b) => b * batch)
  // Four batches in flight: Postgres spends most of seeding waiting on round trips (SQLite
  // serializes transactions anyway). One transaction per batch: seeding is not what is measured.
  await Promise.all(Array.from({ length: 4 }, async (_, worker) => {
    for (let b = worker; b < batches.length; b += 4) {
      const done = batches[b]
      await runAt(storage, start, tenant, Effect.gen(function* () {
        const customers = yield* Customers
        const methods = yield* PaymentMethods
        const subscriptions = yield* Subscriptions
        yield* storage.withTransaction(Effect.forEach(Array.from({ length: Math.min(batch, n - done) }, (_, i) => done + i), (i) =>
          Effect.gen(function* () {
            const customer = yield* customers.create({ email: `c${i}@example.com` })
            yield* methods.attach(customer.id, "tok_visa")
            yield* subscriptions.create(customer.id, { plan: plan.id })
          }), { discard: true }))
      }))
    }
  }))
  return tenant
}
