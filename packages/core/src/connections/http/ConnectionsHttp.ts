import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Connections } from "../Connections.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const ConnectionsLive = HttpApiBuilder.group(BillkitApi, "connections", (handlers) =>
  Effect.gen(function*() {
    const connections = yield* Connections
    return handlers
      .handle("create", ({ payload }) => command("connections", "write", connections.create(payload)))
      .handle("list", ({ urlParams }) =>
        command("connections", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(connections.list(p), toList))))
      .handle("retrieve", ({ path }) => command("connections", "read", connections.get(path.id)))
      .handle("update", ({ path, payload }) => command("connections", "write", connections.update(path.id, payload)))
      .handle("delete", ({ path }) => command("connections", "write", connections.remove(path.id)))
  }))
