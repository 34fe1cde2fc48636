import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Connections } from "../Connections.js"
import { Syncs } from "../Syncs.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const ConnectionsLive = HttpApiBuilder.group(BillkitApi, "connections", (handlers) =>
  Effect.gen(function*() {
    const connections = yield* Connections
    const syncs = yield* Syncs
    return handlers
      .handle("create", ({ payload }) => command("connections", "write", connections.create(payload)))
      .handle("list", ({ urlParams }) =>
        command("connections", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(connections.list(p), toList))))
      .handle("retrieve", ({ path }) => command("connections", "read", connections.get(path.id)))
      .handle("update", ({ path, payload }) => command("connections", "write", connections.update(path.id, payload)))
      .handle("delete", ({ path }) => command("connections", "write", connections.remove(path.id)))
      .handle("startSync", ({ path }) => command("connections", "write", syncs.start(path.id)))
      .handle("listSyncs", ({ path, urlParams }) =>
        command("connections", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(syncs.list(path.id, p), toList))))
      .handle("retrieveSync", ({ path }) => command("connections", "read", syncs.get(path.id, path.sync)))
      .handle("listObjects", ({ path, urlParams: { from, to, type, ...page } }) =>
        command("connections", "read", Effect.flatMap(toPageRequest(page), (p) =>
          Effect.map(syncs.listObjects(path.id, p, {
            ...(type === undefined ? {} : { type }),
            ...(from === undefined ? {} : { from }),
            ...(to === undefined ? {} : { to })
          }), toList))))
  }))
