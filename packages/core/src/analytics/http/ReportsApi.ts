import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Report, ReportCreate } from "../domain/Report.js"
import { Authentication } from "../../http/Principal.js"

const id = HttpApiSchema.param("id", Schema.String)

export class ReportsGroup extends HttpApiGroup.make("reports")
  .add(
    HttpApiEndpoint.post("create", "/v1/reports")
      .setPayload(ReportCreate)
      .addSuccess(Report, { status: 201 })
      .annotate(OpenApi.Summary, "Start a report run")
      .annotate(OpenApi.Description, "Exports `invoices`, `payments`, `refunds` (by `created_at`), `mrr_movements` (by when each took effect), `customers` or `usage_events` between `from` and `to` (inclusive, either optional) as CSV. Answers at once with the run `running`; poll it until `succeeded`. `connection` names a payment-provider connection (none exist yet: 422).")
  )
  .add(
    HttpApiEndpoint.get("retrieve")`/v1/reports/${id}`
      .addSuccess(Report)
      .annotate(OpenApi.Summary, "Retrieve a report run")
      .annotate(OpenApi.Description, "Status (`running`, `succeeded`, `failed`), rows written, created and finished.")
  )
  .add(
    HttpApiEndpoint.get("file")`/v1/reports/${id}/file`
      .addSuccess(HttpApiSchema.Text({ contentType: "text/csv" }))
      .annotate(OpenApi.Summary, "Download a report's CSV")
      .annotate(OpenApi.Description, "RFC 4180 CSV with a header row, streamed; amounts are decimals in the currency's units, next to a `currency` column. 409 until the run has succeeded.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Reports")
  .annotate(OpenApi.Description, "CSV exports of invoices, payments, refunds, MRR movements, customers and usage events, run in the background and streamed.")
{}
