import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Analytics } from "../Analytics.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"

export const AnalyticsLive = HttpApiBuilder.group(BillkitApi, "analytics", (handlers) =>
  Effect.gen(function*() {
    const analytics = yield* Analytics
    return handlers
      .handle("mrr", ({ urlParams }) => command("analytics", "read", analytics.mrr(urlParams)))
      .handle("arr", ({ urlParams }) => command("analytics", "read", analytics.arr(urlParams)))
      .handle("movements", ({ urlParams }) => command("analytics", "read", analytics.movements(urlParams)))
      .handle("churn", ({ urlParams }) => command("analytics", "read", analytics.churn(urlParams)))
      .handle("customers", ({ urlParams }) => command("analytics", "read", analytics.customers(urlParams)))
      .handle("revenue", ({ urlParams }) => command("analytics", "read", analytics.revenue(urlParams)))
      .handle("backfill", () => command("analytics", "write", analytics.backfill()))
  }))
