import { HttpApiBuilder, HttpServerResponse } from "@effect/platform"
import { Effect, Stream } from "effect"
import { Reports } from "../Reports.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"

// Reports read billing records in bulk: they need the `analytics` scope.
export const ReportsLive = HttpApiBuilder.group(BillkitApi, "reports", (handlers) =>
  Effect.gen(function*() {
    const reports = yield* Reports
    return handlers
      .handle("create", ({ payload }) => command("analytics", "write", reports.start(payload)))
      .handle("retrieve", ({ path }) => command("analytics", "read", reports.get(path.id)))
      .handleRaw("file", ({ path }) =>
        command("analytics", "read", Effect.map(reports.file(path.id), ({ report, stream }) =>
          HttpServerResponse.stream(Stream.encodeText(stream), {
            contentType: "text/csv; charset=utf-8",
            headers: { "content-disposition": `attachment; filename="${report.id}.csv"` }
          }))))
  }))
