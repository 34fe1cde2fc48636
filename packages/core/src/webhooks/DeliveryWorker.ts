/**
 * `billkit().runDeliveries()`: every tenant's delivery work due now, live mode at real time and
 * test mode at its test clock (so advancing the test clock makes retries due), the same way the
 * billing loop visits tenants. Hosts call it on an interval or run `deliveryWorker()`.
 */
import { Clock, Effect, Option } from "effect"
import { Storage } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { TestClocks } from "../operations/index.js"
import { Deliveries, type DeliveryReport, tenantsOf } from "./Deliveries.js"

export class DeliveryWorker extends Effect.Service<DeliveryWorker>()("@billkit/core/DeliveryWorker", {
  effect: Effect.gen(function*() {
    const storage = yield* Storage
    const clocks = yield* TestClocks
    const deliveries = yield* Deliveries

    const runAll = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      let report: DeliveryReport = { dispatched: 0, attempted: 0, succeeded: 0, retrying: 0, failed: 0 }
      for (const tenant of tenantsOf(yield* storage.projects.all)) {
        const one = Effect.gen(function*() {
          const frozen = yield* clocks.frozenAt
          return yield* deliveries.runTenant(Option.getOrElse(frozen, () => now))
        }).pipe(Effect.provideService(CurrentTenant, tenant))
        const r = yield* one
        report = {
          dispatched: report.dispatched + r.dispatched,
          attempted: report.attempted + r.attempted,
          succeeded: report.succeeded + r.succeeded,
          retrying: report.retrying + r.retrying,
          failed: report.failed + r.failed
        }
      }
      return report
    })

    return { runAll } as const
  }),
  dependencies: [Deliveries.Default, TestClocks.Default]
}) {}
