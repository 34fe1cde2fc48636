/** Every group's handlers, the authentication middleware, and the services behind them. */
import { Layer } from "effect"
import { layerFakePaymentProvider } from "./payments/FakePaymentProvider.js"
import { layerIdGenerator } from "./kernel/IdGenerator.js"
import type { PaymentProvider } from "./payments/PaymentProvider.js"
import { ApiKeys } from "./access/ApiKeys.js"
import { Balances } from "./balances/Balances.js"
import { BillingLoop } from "./operations/BillingLoop.js"
import { Connections } from "./connections/Connections.js"
import { Syncs } from "./connections/Syncs.js"
import { Customers } from "./customers/Customers.js"
import { Events } from "./events/Events.js"
import { Features } from "./catalog/Features.js"
import { Invoices } from "./invoicing/Invoices.js"
import { OneOffInvoices } from "./invoicing/OneOffInvoices.js"
import { Metrics } from "./catalog/Metrics.js"
import { Payments } from "./payments/Payments.js"
import { PaymentMethods } from "./payments/PaymentMethods.js"
import { Plans } from "./catalog/Plans.js"
import { Prices } from "./catalog/Prices.js"
import { Products } from "./catalog/Products.js"
import { Projects } from "./access/Projects.js"
import { Subscriptions } from "./subscriptions/Subscriptions.js"
import { SubscriptionMigrations } from "./subscriptions/Migrations.js"
import { TestClocks } from "./operations/TestClocks.js"
import { Usage } from "./usage/Usage.js"
import { UsageLimits } from "./usage/UsageLimits.js"
import { UsageRollups } from "./usage/UsageRollups.js"
import { Entitlements } from "./entitlements/Entitlements.js"
import { EntitlementsLive } from "./entitlements/http/EntitlementsHttp.js"
import { Vouchers } from "./vouchers/Vouchers.js"
import { Checkout } from "./checkout/Checkout.js"
import { Portal } from "./portal/Portal.js"
import { ApiKeysLive } from "./access/http/ApiKeysHttp.js"
import { BalancesLive } from "./balances/http/BalancesHttp.js"
import { ConnectionsLive } from "./connections/http/ConnectionsHttp.js"
import { CustomersLive } from "./customers/http/CustomersHttp.js"
import { EventsLive } from "./events/http/EventsHttp.js"
import { FeaturesLive } from "./catalog/http/FeaturesHttp.js"
import { InvoicesLive } from "./invoicing/http/InvoicesHttp.js"
import { MetricsLive } from "./catalog/http/MetricsHttp.js"
import { PaymentsLive } from "./payments/http/PaymentsHttp.js"
import { PaymentMethodsLive } from "./payments/http/PaymentMethodsHttp.js"
import { PlansLive } from "./catalog/http/PlansHttp.js"
import { PricesLive } from "./catalog/http/PricesHttp.js"
import { ProductsLive } from "./catalog/http/ProductsHttp.js"
import { SubscriptionsLive } from "./subscriptions/http/SubscriptionsHttp.js"
import { TestClockLive } from "./operations/http/TestClockHttp.js"
import { UsageLive } from "./usage/http/UsageHttp.js"
import { VouchersLive } from "./vouchers/http/VouchersHttp.js"
import { CheckoutLive } from "./checkout/http/CheckoutHttp.js"
import { PortalLive } from "./portal/http/PortalHttp.js"
import { AuthenticationLive } from "./http/Principal.js"
import { Deliveries } from "./webhooks/Deliveries.js"
import { DeliveryWorker } from "./webhooks/DeliveryWorker.js"
import { Subscribers } from "./webhooks/Subscribers.js"
import { WebhookEndpoints } from "./webhooks/WebhookEndpoints.js"
import { WebhookStatsService } from "./webhooks/WebhookStats.js"
import { WebhooksLive } from "./webhooks/http/WebhooksHttp.js"
import { layerInvoiceLinks } from "./subscriptions/InvoiceLinks.js"
import { Analytics } from "./analytics/Analytics.js"
import { AnalyticsLive } from "./analytics/http/AnalyticsHttp.js"
import { Reports } from "./analytics/Reports.js"
import { ProviderHooks } from "./providerhooks/ProviderHooks.js"
import { ProviderHooksLive } from "./providerhooks/http/ProviderHooksHttp.js"
import { ReportsLive } from "./analytics/http/ReportsHttp.js"
import { layerMrrLedger } from "./analytics/MrrLedger.js"
import { layerRevenueLedger } from "./analytics/RevenueLedger.js"
import { Referrals } from "./referrals/Referrals.js"
import { layerReferralRewards } from "./referrals/ReferralRewards.js"
import { ReferralsLive } from "./referrals/http/ReferralsHttp.js"

/**
 * The services over a given payment provider (the fake one by default, or the host's own),
 * needing only `Storage` (and `IdGenerator`, which they get by default).
 */
export const servicesWith = <E, R>(paymentProvider: Layer.Layer<PaymentProvider, E, R>) =>
  // Inbound provider webhooks settle through payments and invoicing: built over them.
  ProviderHooks.Default.pipe(Layer.provideMerge(Layer.mergeAll(
    Customers.Default,
    Products.Default,
    Prices.Default,
    Features.Default,
    Plans.Default,
    Metrics.Default,
    Usage.Default,
    UsageLimits.Default,
    UsageRollups.Default,
    Entitlements.Default,
    ApiKeys.Default,
    Projects.Default,
    Events.Default,
    Vouchers.Default,
    PaymentMethods.Default,
    Balances.Default,
    Invoices.Default,
    OneOffInvoices.Default,
    Payments.Default,
    Subscriptions.Default,
    SubscriptionMigrations.Default,
    TestClocks.Default,
    BillingLoop.Default,
    Analytics.Default,
    Subscribers.Default,
    WebhookEndpoints.Default,
    Deliveries.Default,
    DeliveryWorker.Default,
    WebhookStatsService.Default,
    Connections.Default,
    Syncs.Default,
    Checkout.Default,
    Reports.Default,
    Portal.Default,
    Referrals.Default
  ))).pipe(
    // How invoicing and payments reach the subscription an invoice bills (ports they define).
    Layer.provide(layerInvoiceLinks),
    // Every subscription write appends to the MRR ledger in its transaction (subscriptions' port).
    Layer.provide(layerMrrLedger),
    // Every payment and refund write moves the revenue rollups in its transaction (payments' port).
    Layer.provide(layerRevenueLedger),
    // An invoice becoming paid rewards a referrer, in its transaction (invoicing's port).
    Layer.provide(layerReferralRewards),
    Layer.provideMerge(paymentProvider),
    Layer.provideMerge(layerIdGenerator)
  )

/** The services on the fake payment provider (no network): the default. */
export const ServicesLive = servicesWith(layerFakePaymentProvider)

export const HandlersLive = Layer.mergeAll(
  CustomersLive, ProductsLive, PricesLive, FeaturesLive, PlansLive, ApiKeysLive, MetricsLive, UsageLive, EntitlementsLive,
  VouchersLive, PaymentMethodsLive, BalancesLive, EventsLive,
  SubscriptionsLive, InvoicesLive, PaymentsLive, TestClockLive, AnalyticsLive, WebhooksLive, ConnectionsLive, CheckoutLive,
  ReportsLive, PortalLive, ReferralsLive, ProviderHooksLive
).pipe(
  Layer.provide(AuthenticationLive)
)
