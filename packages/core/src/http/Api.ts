/**
 * The REST surface, declared once. The same declaration yields the request handler, the
 * OpenAPI document (`/v1/openapi.json`, `docs/openapi.json`) and the `/docs` page.
 */
import { HttpApi, OpenApi } from "@effect/platform"
import { AnalyticsGroup, ReportsGroup } from "../analytics/index.js"
import { ApiKeysGroup } from "../access/index.js"
import { BalancesGroup } from "../balances/index.js"
import { ConnectionsGroup } from "../connections/index.js"
import { CustomersGroup } from "../customers/index.js"
import { EventsGroup } from "../events/index.js"
import { FeaturesGroup } from "../catalog/index.js"
import { MetricsGroup } from "../catalog/index.js"
import { InvoicesGroup } from "../invoicing/index.js"
import { PaymentsGroup } from "../payments/index.js"
import { SubscriptionsGroup } from "../subscriptions/index.js"
import { TestClockGroup } from "../operations/index.js"
import { PaymentMethodsGroup } from "../payments/index.js"
import { PlansGroup } from "../catalog/index.js"
import { PricesGroup } from "../catalog/index.js"
import { ProductsGroup } from "../catalog/index.js"
import { UsageGroup } from "../usage/index.js"
import { EntitlementsGroup } from "../entitlements/index.js"
import { VouchersGroup } from "../vouchers/index.js"
import { WebhooksGroup } from "../webhooks/index.js"
import { CheckoutGroup } from "../checkout/index.js"
import { PortalGroup } from "../portal/index.js"
import { ReferralsGroup } from "../referrals/index.js"
import { ProviderHooksGroup } from "../providerhooks/index.js"
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
  .add(EntitlementsGroup)
  .add(SubscriptionsGroup)
  .add(InvoicesGroup)
  .add(PaymentsGroup)
  .add(TestClockGroup)
  .add(ApiKeysGroup)
  .add(VouchersGroup)
  .add(PaymentMethodsGroup)
  .add(BalancesGroup)
  .add(EventsGroup)
  .add(AnalyticsGroup)
  .add(WebhooksGroup)
  .add(ConnectionsGroup)
  .add(CheckoutGroup)
  .add(ReportsGroup)
  .add(PortalGroup)
  .add(ReferralsGroup)
  .add(ProviderHooksGroup)
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
