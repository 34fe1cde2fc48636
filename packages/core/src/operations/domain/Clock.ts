/** The test clock of a project's test mode (API.md: test clock). */
import { Schema } from "effect"
import { Id } from "../../kernel/Ids.js"
import { InstantInput } from "../../kernel/Instant.js"
import { integerRange, Timestamp, strict } from "../../kernel/Wire.js"

export const TestClock = Schema.Struct({
  id: Id("clock"),
  object: Schema.Literal("test_clock"),
  name: Schema.Literal("test"),
  /** Where test-mode time stands; it moves only when advanced. */
  now: Timestamp
}).annotations({ identifier: "TestClock" })
export type TestClock = typeof TestClock.Type

export const ClockView = Schema.Struct({
  object: Schema.Literal("test_clock"),
  now: Timestamp,
  frozen: Schema.Boolean
}).annotations({ identifier: "ClockView" })

/** How far one advance may move test time: 20 years, for `seconds` and for `to` alike. */
export const maxAdvanceSeconds = 20 * 366 * 86_400

export const ClockAdvance = Schema.Struct({
  // `exact`: a bad value is reported once, not also as "expected undefined".
  // At most 20 years after the clock's time, like `seconds`: checked against it (TestClocks.moveTo).
  to: Schema.optionalWith(InstantInput, { exact: true }),
  seconds: Schema.optionalWith(
    Schema.Int.pipe(Schema.between(0, maxAdvanceSeconds, { message: () => "must be a whole number of seconds from 0 to 20 years" }))
      .annotations(integerRange(0, maxAdvanceSeconds)),
    { exact: true }
  )
}).annotations({ identifier: "ClockAdvance", ...strict })
