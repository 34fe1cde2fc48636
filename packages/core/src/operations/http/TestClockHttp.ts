import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { BillingLoop } from "../BillingLoop.js"
import { CurrentTenant } from "../../kernel/Tenancy.js"
import { TestClocks } from "../TestClocks.js"
import { msOf } from "../../kernel/Time.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { badRequest } from "../../http/Problems.js"

export const TestClockLive = HttpApiBuilder.group(BillkitApi, "testClock", (handlers) =>
  Effect.gen(function*() {
    const clocks = yield* TestClocks
    const loop = yield* BillingLoop
    return handlers
      .handle("retrieve", () => command("subscriptions", "read", clocks.view()))
      .handle("advance", ({ payload }) =>
        command("subscriptions", "write", Effect.gen(function*() {
          if ((payload.to === undefined) === (payload.seconds === undefined)) {
            return yield* Effect.fail(badRequest("Give exactly one of `to` or `seconds`", [{ field: "to", message: "give `to` or `seconds`, not both or neither" }]))
          }
          // The clock reads test time (or real time, before the first advance) once, inside moveTo.
          const { to } = yield* clocks.moveTo(payload.to !== undefined ? { to: msOf(payload.to) } : { seconds: payload.seconds ?? 0 })
          const report = yield* loop.runTenant(yield* CurrentTenant, to, { atDueTime: true })
          return { ...(yield* clocks.view()), steps: report.steps, failed: report.failed }
        })))
  }))
