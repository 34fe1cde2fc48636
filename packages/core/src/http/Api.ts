/**
 * The REST surface, declared once. The same declaration yields the request handler, the
 * OpenAPI document (`/v1/openapi.json`, `docs/openapi.json`) and the `/docs` page.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { ApiKeysGroup } from "./groups/ApiKeys.js"
import { BalancesGroup } from "./groups/Balances.js"
import { CustomersGroup } from "./groups/Customers.js"
import { EventsGroup } from "./groups/Events.js"
import { FeaturesGroup } from "./groups/Features.js"
import { MetricsGroup } from "./groups/Metrics.js"
import { InvoicesGroup } from "./groups/Invoices.js"
import { PaymentsGroup } from "./groups/Payments.js"
import { SubscriptionsGroup } from "./groups/Subscriptions.js"
import { TestClockGroup } from "./groups/TestClock.js"
import { PaymentMethodsGroup } from "./groups/PaymentMethods.js"
import { PlansGroup } from "./groups/Plans.js"
import { PricesGroup } from "./groups/Prices.js"
import { ProductsGroup } from "./groups/Products.js"
import { UsageGroup } from "./groups/Usage.js"
import { VouchersGroup } from "./groups/Vouchers.js"
import { applyConventions } from "./OpenApiConventions.js"
import { BadRequest, ConflictProblem, Forbidden, NotFoundProblem, PayloadTooLarge, RateLimited, ValidationProblem } from "./Problems.js"

export class BillkitApi extends HttpApi.make("billkit")
  .add(CustomersGroup)
  .add(ProductsGroup)
  .add(PricesGroup)
  .add(FeaturesGroup)
  .add(PlansGroup)
  .add(MetricsGroup)
  .add(UsageGroup)
  .add(SubscriptionsGroup)
  .add(InvoicesGroup)
  .add(PaymentsGroup)
  .add(TestClockGroup)
  .add(ApiKeysGroup)
  .add(VouchersGroup)
  .add(PaymentMethodsGroup)
  .add(BalancesGroup)
  .add(EventsGroup)
  .addError(BadRequest)
  .addError(Forbidden)
  .addError(NotFoundProblem)
  .addError(ConflictProblem)
  .addError(PayloadTooLarge)
  .addError(ValidationProblem)
  .addError(RateLimited)
  .annotate(OpenApi.Title, "Billkit")
  .annotate(OpenApi.Version, "1.0.0")
  .annotate(OpenApi.Transform, applyConventions)
  .annotate(
    OpenApi.Description,
    "Billing you embed: customers, catalog (products, prices, features, plans), subscriptions with seats, trials and " +
      "per-second proration, invoices, payments and refunds, vouchers, balances, usage metering, events and a test clock, over REST. " +
      "Authenticate with `Authorization: Bearer sk_test_…`. Errors are RFC 9457 problem documents. " +
      "Lists paginate with `limit`, `starting_after` and `ending_before`. Any POST may carry an `Idempotency-Key`, which belongs to the API key that sent it."
  )
{}
