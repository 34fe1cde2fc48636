/** `@billkit/testing/stripe`: a fake Stripe account behind a real HTTP port, for the real SDK. */
export { fakeStripeRoutes, startFakeStripe, type FakeStripe, type FakeStripeOptions } from "./FakeStripe.js"
export { cardError, FakeStripeError, invalidRequest, missingParam, noSuch, type StripeErrorBody } from "./errors.js"
export * as FakeStripeParams from "./params.js"
export { ok, route, type Route, type RouteContext, type RouteReply } from "./routing.js"
export { FakeStripeStore, type LoggedCall } from "./store.js"
export { testCardOf, testCards, type CardBehaviour, type TestCard } from "./testCards.js"
export { FakeStripeWebhooks, type Delivery, type FlushOptions, type WebhookEndpoint } from "./webhooks.js"
export { listRoutes, seedList } from "./lists.js"
