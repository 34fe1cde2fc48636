/** Every group's handlers, the authentication middleware, and the services behind them. */
import { Layer } from "effect"
import { layerFakePaymentProvider } from "../payments/FakePaymentProvider.js"
import { layerIdGenerator } from "../ports/IdGenerator.js"
import type { PaymentProvider } from "../ports/PaymentProvider.js"
import { ApiKeys } from "../services/ApiKeys.js"
import { Balances } from "../services/Balances.js"
import { BillingLoop } from "../services/BillingLoop.js"
import { Customers } from "../services/Customers.js"
import { Events } from "../services/Events.js"
import { Features } from "../services/Features.js"
import { Invoices } from "../services/Invoices.js"
import { Metrics } from "../services/Metrics.js"
import { Payments } from "../services/Payments.js"
import { PaymentMethods } from "../services/PaymentMethods.js"
import { Plans } from "../services/Plans.js"
import { Prices } from "../services/Prices.js"
import { Products } from "../services/Products.js"
import { Projects } from "../services/Projects.js"
import { Subscriptions } from "../services/Subscriptions.js"
import { TestClocks } from "../services/TestClocks.js"
import { Usage } from "../services/Usage.js"
import { UsageLimits } from "../services/UsageLimits.js"
import { Vouchers } from "../services/Vouchers.js"
import { ApiKeysLive } from "./handlers/ApiKeys.js"
import { BalancesLive } from "./handlers/Balances.js"
import { CustomersLive } from "./handlers/Customers.js"
import { EventsLive } from "./handlers/Events.js"
import { FeaturesLive } from "./handlers/Features.js"
import { InvoicesLive } from "./handlers/Invoices.js"
import { MetricsLive } from "./handlers/Metrics.js"
import { PaymentsLive } from "./handlers/Payments.js"
import { PaymentMethodsLive } from "./handlers/PaymentMethods.js"
import { PlansLive } from "./handlers/Plans.js"
import { PricesLive } from "./handlers/Prices.js"
import { ProductsLive } from "./handlers/Products.js"
import { SubscriptionsLive } from "./handlers/Subscriptions.js"
import { TestClockLive } from "./handlers/TestClock.js"
import { UsageLive } from "./handlers/Usage.js"
import { VouchersLive } from "./handlers/Vouchers.js"
import { AuthenticationLive } from "./Principal.js"

/**
 * The services over a given payment provider (`@billkit/stripe` passes its own), needing only
 * `Storage` (and `IdGenerator`, which they get by default).
 */
export const servicesWith = <E, R>(paymentProvider: Layer.Layer<PaymentProvider, E, R>) =>
  Layer.mergeAll(
    Customers.Default,
    Products.Default,
    Prices.Default,
    Features.Default,
    Plans.Default,
    Metrics.Default,
    Usage.Default,
    UsageLimits.Default,
    ApiKeys.Default,
    Projects.Default,
    Events.Default,
    Vouchers.Default,
    PaymentMethods.Default,
    Balances.Default,
    Invoices.Default,
    Payments.Default,
    Subscriptions.Default,
    TestClocks.Default,
    BillingLoop.Default
  ).pipe(Layer.provideMerge(paymentProvider), Layer.provideMerge(layerIdGenerator))

/** The services on the fake payment provider (no network): the default. */
export const ServicesLive = servicesWith(layerFakePaymentProvider)

export const HandlersLive = Layer.mergeAll(
  CustomersLive, ProductsLive, PricesLive, FeaturesLive, PlansLive, ApiKeysLive, MetricsLive, UsageLive,
  VouchersLive, PaymentMethodsLive, BalancesLive, EventsLive,
  SubscriptionsLive, InvoicesLive, PaymentsLive, TestClockLive
).pipe(
  Layer.provide(AuthenticationLive)
)
