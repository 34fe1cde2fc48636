import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Events } from "../Events.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const EventsLive = HttpApiBuilder.group(BillkitApi, "events", (handlers) =>
  Effect.gen(function*() {
    const events = yield* Events
    return handlers
      .handle("list", ({ urlParams: { from, subject, to, type, ...page } }) =>
        command("events", "read", Effect.flatMap(toPageRequest(page), (p) =>
          Effect.map(events.list(p, { type, subject, from, to }), toList))))
      .handle("retrieve", ({ path }) => command("events", "read", events.get(path.id)))
  }))
