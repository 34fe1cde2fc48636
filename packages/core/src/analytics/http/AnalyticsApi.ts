import { HttpApiEndpoint, HttpApiGroup, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { ArrSeries, ChurnSeries, CustomersSeries, MovementSeries, MrrBackfill, MrrSeries, RevenueSeries, SeriesParams } from "../domain/Series.js"
import { Authentication } from "../../http/Principal.js"

const params = Schema.Struct(SeriesParams)

export class AnalyticsGroup extends HttpApiGroup.make("analytics")
  .add(
    HttpApiEndpoint.get("mrr", "/v1/analytics/mrr")
      .setUrlParams(params)
      .addSuccess(MrrSeries)
      .annotate(OpenApi.Summary, "MRR series")
      .annotate(OpenApi.Description, "Monthly recurring revenue at the end of each interval, per currency (never converted), from the MRR ledger. Yearly prices count 1/12, weekly 52/12; usage prices do not count. See docs/analytics.md.")
  )
  .add(
    HttpApiEndpoint.get("arr", "/v1/analytics/arr")
      .setUrlParams(params)
      .addSuccess(ArrSeries)
      .annotate(OpenApi.Summary, "ARR series")
      .annotate(OpenApi.Description, "Annual run rate (MRR × 12, exact) at the end of each interval, per currency.")
  )
  .add(
    HttpApiEndpoint.get("movements", "/v1/analytics/mrr/movements")
      .setUrlParams(params)
      .addSuccess(MovementSeries)
      .annotate(OpenApi.Summary, "MRR movements")
      .annotate(OpenApi.Description, "New, expansion, contraction, churn and reactivation MRR per interval and currency, each with the subscriptions behind it.")
  )
  .add(
    HttpApiEndpoint.get("churn", "/v1/analytics/churn")
      .setUrlParams(params)
      .addSuccess(ChurnSeries)
      .annotate(OpenApi.Summary, "Churn")
      .annotate(OpenApi.Description, "Customer churn rate and gross and net MRR churn rates per interval and currency.")
  )
  .add(
    HttpApiEndpoint.get("customers", "/v1/analytics/customers")
      .setUrlParams(params)
      .addSuccess(CustomersSeries)
      .annotate(OpenApi.Summary, "Customer growth")
      .annotate(OpenApi.Description, "Paying customers per interval and currency: new, reactivated, churned and net.")
  )
  .add(
    HttpApiEndpoint.get("revenue", "/v1/analytics/revenue")
      .setUrlParams(params)
      .addSuccess(RevenueSeries)
      .annotate(OpenApi.Summary, "Revenue")
      .annotate(OpenApi.Description, "Succeeded payments net of succeeded refunds, per interval and currency, by the time each was made.")
  )
  .add(
    HttpApiEndpoint.post("backfill", "/v1/analytics/mrr/backfill")
      .addSuccess(MrrBackfill)
      .annotate(OpenApi.Summary, "Backfill the MRR ledger")
      .annotate(OpenApi.Description, "Builds the ledger of every subscription that has none (written before the ledger existed) from its record: paying from its trial end or creation at today's price and seats, until it ended, paused or went unpaid. Safe to repeat.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Analytics")
  .annotate(OpenApi.Description, "MRR, ARR, movements, churn, customer growth and revenue, per currency, from the MRR ledger every subscription change appends to.")
{}
