import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Entitlements } from "../Entitlements.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"

export const EntitlementsLive = HttpApiBuilder.group(BillkitApi, "entitlements", (handlers) =>
  Effect.gen(function*() {
    const entitlements = yield* Entitlements
    return handlers.handle("check", ({ path }) => command("customers", "read", entitlements.check(path.id, path.feature)))
  }))
