import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Features } from "../Features.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const FeaturesLive = HttpApiBuilder.group(BillkitApi, "features", (handlers) =>
  Effect.gen(function*() {
    const features = yield* Features
    return handlers
      .handle("create", ({ payload }) => command("features", "write", features.create(payload)))
      .handle("list", ({ urlParams }) =>
        command("features", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(features.list(p), toList))))
      .handle("retrieve", ({ path }) => command("features", "read", features.get(path.id)))
      .handle("update", ({ path, payload }) => command("features", "write", features.update(path.id, payload)))
  }))
