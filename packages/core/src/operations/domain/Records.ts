/** How the test clock is stored: the one definition its repository is made from. */
import * as Collections from "../../kernel/Collections.js"
import { TestClock } from "./Clock.js"

export const TestClockRecords = Collections.records({
  collection: Collections.Clocks,
  schema: TestClock,
  resource: "test clock",
  index: (c) => ({ name: c.name })
})
