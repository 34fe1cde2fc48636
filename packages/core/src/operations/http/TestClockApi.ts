import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ClockAdvance, ClockView } from "../domain/Clock.js"
import { Authentication } from "../../http/Principal.js"

export const ClockAdvanced = Schema.Struct({
  ...ClockView.fields,
  steps: Schema.Int.annotations({ description: "Billing steps done: renewals, trial ends, retries, cancellations. Failed steps are not counted." }),
  failed: Schema.Array(Schema.String).annotations({
    description: "Ids (`sub_…`, `inv_…`) whose billing step failed or made no progress; their work is still due and the next advance or loop run tries it again."
  })
}).annotations({ identifier: "ClockAdvanced" })

export class TestClockGroup extends HttpApiGroup.make("testClock")
  .add(HttpApiEndpoint.get("retrieve", "/v1/test-helpers/clock").addSuccess(ClockView)
    .annotate(OpenApi.Summary, "Read the test clock")
    .annotate(OpenApi.Description, "The time test mode runs at in this project; advance it to bill renewals, trials and dunning now."))
  .add(
    HttpApiEndpoint.post("advance", "/v1/test-helpers/clock/advance")
      .setPayload(ClockAdvance)
      .addSuccess(ClockAdvanced)
      .annotate(OpenApi.Summary, "Advance test time")
      .annotate(
        OpenApi.Description,
        "Moves test-mode time forward to `to`, or by `seconds` (never back: 409), and runs all billing work due up to it before answering, " +
          "each step at the instant it fell due; steps that failed are listed in `failed` (the answer is still 200: the clock did move). " +
          "`to` may be at most 20 years after the clock's time, like `seconds` (422 beyond). From the first advance on, test time stands still between advances (`{seconds: 0}` just freezes it). 404 in live mode."
      )
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Test clock")
  .annotate(OpenApi.Description, "Test mode only: watch a year of renewals in one call.")
{}
