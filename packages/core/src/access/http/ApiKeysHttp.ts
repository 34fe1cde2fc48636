import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { ApiKeys } from "../ApiKeys.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const ApiKeysLive = HttpApiBuilder.group(BillkitApi, "apiKeys", (handlers) =>
  Effect.gen(function*() {
    const apiKeys = yield* ApiKeys
    return handlers
      .handle("create", ({ payload }) => command("api_keys", "write", apiKeys.create(payload)))
      .handle("list", ({ urlParams }) =>
        command("api_keys", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(apiKeys.list(p), toList))))
      .handle("revoke", ({ path }) => command("api_keys", "write", apiKeys.revoke(path.id)))
  }))
