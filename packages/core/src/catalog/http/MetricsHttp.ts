import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Metrics } from "../Metrics.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const MetricsLive = HttpApiBuilder.group(BillkitApi, "metrics", (handlers) =>
  Effect.gen(function*() {
    const metrics = yield* Metrics
    return handlers
      .handle("create", ({ payload }) => command("metrics", "write", metrics.create(payload)))
      .handle("list", ({ urlParams }) =>
        command("metrics", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(metrics.list(p), toList))))
      .handle("retrieve", ({ path }) => command("metrics", "read", metrics.get(path.id)))
      .handle("update", ({ path, payload }) => command("metrics", "write", metrics.update(path.id, payload)))
  }))
