import { HttpApiEndpoint, HttpApiGroup, HttpApiSchema, OpenApi } from "@effect/platform"
import { Schema } from "effect"
import { Invoice } from "../../invoicing/domain/index.js"
import {
  Cancellation,
  PlanChange,
  PriceChange,
  SeatsChange,
  Subscription,
  SubscriptionCreate,
  SubscriptionStatus,
  TrialConversion
} from "../domain/Subscription.js"
import { ConnectionParam, ListOf, PageParams } from "../../http/Lists.js"
import { Authentication } from "../../http/Principal.js"
import { ProviderUnavailable } from "../../http/Problems.js"

const id = HttpApiSchema.param("id", Schema.String)

/** The upcoming invoice: an invoice that does not exist yet, so it has no id. */
export const UpcomingInvoice = Invoice.pipe(Schema.omit("id")).annotations({ identifier: "UpcomingInvoice" })

const action = <const Name extends string>(name: Name, path: `/${string}`, summary: string, description: string) =>
  HttpApiEndpoint.post(name, path).setPath(Schema.Struct({ id: Schema.String })).addSuccess(Subscription).annotate(OpenApi.Summary, summary).annotate(OpenApi.Description, description)

export class SubscriptionsGroup extends HttpApiGroup.make("subscriptions")
  .add(
    HttpApiEndpoint.post("create")`/v1/customers/${id}/subscriptions`
      .setPayload(SubscriptionCreate)
      .addSuccess(Subscription, { status: 201 })
      .annotate(OpenApi.Summary, "Start a subscription")
      .annotate(
        OpenApi.Description,
        "A plan by id or `code_name`, at a `price` of the plan or the plan's price for `schedule` (default month) and `currency`. " +
          "The plan's trial applies unless `deny_trial`; without one the first period is invoiced and charged now: " +
          "`active` once paid (or sent with terms to an `invoice` customer), else `incomplete`."
      )
  )
  .add(
    HttpApiEndpoint.get("listForCustomer")`/v1/customers/${id}/subscriptions`
      .setUrlParams(Schema.Struct({ ...PageParams, status: Schema.optional(SubscriptionStatus) }))
      .addSuccess(ListOf(Subscription, "Subscription"))
      .annotate(OpenApi.Summary, "List a customer's subscriptions")
  )
  .add(
    HttpApiEndpoint.get("list", "/v1/subscriptions")
      .setUrlParams(Schema.Struct({ ...PageParams, ...ConnectionParam, status: Schema.optional(SubscriptionStatus), customer: Schema.optional(Schema.String), plan: Schema.optional(Schema.String) }))
      .addSuccess(ListOf(Subscription, "Subscription"))
      .annotate(OpenApi.Summary, "List subscriptions")
  )
  .add(HttpApiEndpoint.get("retrieve")`/v1/subscriptions/${id}`.addSuccess(Subscription).annotate(OpenApi.Summary, "Retrieve a subscription"))
  .add(
    action("addSeats", "/v1/subscriptions/:id/seats/add", "Add seats", "Prorates the added seats for the rest of the period (`proration`, default `create_prorations`).")
      .setPayload(SeatsChange)
  )
  .add(
    action("removeSeats", "/v1/subscriptions/:id/seats/remove", "Remove seats", "Credits the removed seats' unused time, never more than was paid for it. At least one seat remains.")
      .setPayload(SeatsChange)
  )
  .add(
    action(
      "changePlan",
      "/v1/subscriptions/:id/change-plan",
      "Change plan",
      "`instantly` credits the unused old price and charges the new one for the rest of the period (`create_prorations` carries both to the next invoice, " +
        "`always_invoice` invoices them now, `none` writes neither); `next_cycle` switches at the next period start. A new interval restarts the cycle now."
    ).setPayload(PlanChange)
  )
  .add(action("changePrice", "/v1/subscriptions/:id/change-price", "Change price", "As change-plan, within the same plan.").setPayload(PriceChange))
  .add(
    action(
      "cancel",
      "/v1/subscriptions/:id/cancel",
      "Cancel",
      "`end_of_period` (default) keeps access until the period ends; `instantly` ends now; `specific_date` ends at `date`. " +
        "`refund_type`: `none`, `full` (the last paid invoice) or `prorate` (its unused part). Usage so far is invoiced at the end."
    ).setPayload(Cancellation)
  )
  .add(action("resume", "/v1/subscriptions/:id/resume", "Resume", "Undoes a scheduled cancellation, or resumes a paused subscription with a new period from now."))
  .add(action("pause", "/v1/subscriptions/:id/pause", "Pause", "Stops billing now until resumed."))
  .add(action("convertTrial", "/v1/subscriptions/:id/convert-trial", "Convert a trial", "Ends the trial now and starts paid billing, optionally at another `price`.").setPayload(TrialConversion))
  .add(
    action(
      "migrate",
      "/v1/subscriptions/:id/migrate",
      "Migrate off Stripe Billing",
      "Takes an imported subscription (`managed_by: stripe`) over from Stripe at the end of the last period Stripe billed (`migration.at`; " +
        "a period Stripe already invoiced counts): Stripe's subscription is set to end at that instant (`cancel_at`, no proration), " +
        "and when the clock reaches it Billkit bills the subscription from there (`managed_by: billkit`, event `subscription.migrated`). " +
        "`migration.status`: `scheduled`, `confirmed` once Stripe agreed, `completed` once taken over. 502 when Stripe could not be reached " +
        "(the migration stays `scheduled`; call again: the same idempotent call is retried). 409 on a subscription Billkit bills, or one Stripe no longer bills."
    ).addError(ProviderUnavailable)
  )
  .add(
    HttpApiEndpoint.get("upcomingInvoice")`/v1/subscriptions/${id}/upcoming-invoice`
      .addSuccess(UpcomingInvoice)
      .annotate(OpenApi.Summary, "Preview the next invoice")
      .annotate(OpenApi.Description, "Computed by the same code that later writes it: pending prorations, usage so far, vouchers, tax and balance. Nothing is stored.")
  )
  .middleware(Authentication)
  .annotate(OpenApi.Title, "Subscriptions")
  .annotate(OpenApi.Description, "A customer on a plan, billed every period. Scopes: `subscriptions:read` / `subscriptions:write`.")
{}
