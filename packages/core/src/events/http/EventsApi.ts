import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Event, EventTypeFilter } from "../domain/Event.js"
import { InstantParam } from "../../kernel/Instant.js"
import { Authentication } from "../../http/Principal.js"
import { ListOf, PageParams } from "../../http/Lists.js"

const id = HttpApiSchema.param("id", Schema.String)

export class EventsGroup extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.get("list", "/v1/events")
      .setUrlParams(Schema.Struct({
        ...PageParams,
        type: Schema.optional(EventTypeFilter),
        subject: Schema.optional(Schema.String.annotations({ description: "Only events about this record id." })),
        from: Schema.optional(InstantParam),
        to: Schema.optional(InstantParam)
      }))
      .addSuccess(ListOf(Event, "Event"))
      .annotate(OpenApi.Summary, "List events")
      .annotate(OpenApi.Description, "Oldest first; filter by `type` (exact, or a prefix such as `invoice.*`), `subject`, and `from`/`to` (ISO 8601 or Unix seconds, inclusive).")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/events/${id}`.addSuccess(Event).annotate(OpenApi.Summary, "Retrieve an event"))
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Events")
  .annotate(OpenApi.Description, "What happened, written in the same transaction as the change itself; webhook endpoints receive the same events.")
{}
