import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { maxBatchSize } from "../domain/UsageEvent.js"
import { Usage } from "../Usage.js"
import { UsageLimits } from "../UsageLimits.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"
import { validation } from "../../http/Problems.js"

const batchProblem = (message: string) => Effect.fail(validation(`events: ${message}`, [{ field: "events", message }]))

export const UsageLive = HttpApiBuilder.group(BillkitApi, "usage", (handlers) =>
  Effect.gen(function*() {
    const usage = yield* Usage
    const limits = yield* UsageLimits

    /** `{events: [...]}` is a batch (bad events reported, good ones kept); anything else one event. */
    const ingest = (body: Readonly<Record<string, unknown>>) =>
      Effect.gen(function*() {
        if ("events" in body) {
          const events = body.events
          if (Object.keys(body).length !== 1) return yield* batchProblem("a batch is `{\"events\": [...]}` with no other fields")
          if (!Array.isArray(events)) return yield* batchProblem("must be an array of events")
          if (events.length === 0 || events.length > maxBatchSize) return yield* batchProblem(`must hold 1 to ${maxBatchSize} events`)
          return yield* usage.ingest(events)
        }
        const result = yield* usage.ingest([body])
        if (result.rejected.length > 0) {
          const errors = result.rejected.map(({ field, message }) => ({ field, message }))
          return yield* Effect.fail(validation(`${errors[0].field}: ${errors[0].message}`, errors))
        }
        return result
      })

    return handlers
      .handle("ingest", ({ payload }) => command("usage", "write", ingest(payload)))
      .handle("list", ({ urlParams: { code, customer, from, to, ...page } }) =>
        command("usage", "read", Effect.flatMap(toPageRequest(page), (p) =>
          Effect.map(usage.listEvents(p, { customer, code, from, to }), toList))))
      .handle("usage", ({ path, urlParams }) => command("usage", "read", usage.usage(path.id, urlParams)))
      .handle("costs", ({ path }) => command("usage", "read", usage.costs(path.id)))
      .handle("entitlements", ({ path }) => command("customers", "read", limits.entitlements(path.id)))
      .handle("listLimits", ({ path, urlParams }) =>
        command("usage", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(limits.list(path.id, p), toList))))
      .handle("createLimit", ({ path, payload }) => command("usage", "write", limits.create(path.id, payload)))
      .handle("deleteLimit", ({ path }) => command("usage", "write", limits.remove(path.id, path.limit)))
  }))
