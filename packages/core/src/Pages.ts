/**
 * Routes the hosted pages of a mounted handler: `/checkout/<token>…` and `/portal/<token>…`.
 * Pages are HTML for browsers, outside the REST API (no API key: the token in the path is the
 * credential); any failure becomes a plain error page, never a stack trace.
 */
import { Cause, Effect, type ManagedRuntime } from "effect"
import { checkoutPage } from "./checkout/index.js"
import { portalPage } from "./portal/index.js"
import { branding, messagePage } from "./http/Page.js"
import type { Checkout } from "./checkout/Checkout.js"
import type { Portal } from "./portal/Portal.js"
import type { Customers } from "./customers/Customers.js"
import type { Subscriptions } from "./subscriptions/Subscriptions.js"
import type { Plans } from "./catalog/Plans.js"
import type { Invoices } from "./invoicing/Invoices.js"
import type { PaymentMethods } from "./payments/PaymentMethods.js"
import type { Balances } from "./balances/Balances.js"
import type { Usage } from "./usage/Usage.js"
import type { TestClocks } from "./operations/TestClocks.js"

type PageServices = Checkout | Portal | TestClocks | Customers | Subscriptions | Plans | Invoices | PaymentMethods | Balances | Usage

const routes: ReadonlyArray<readonly [string, (request: Request, rest: string) => Effect.Effect<Response, never, PageServices>]> = [
  ["/checkout/", checkoutPage],
  ["/portal/", portalPage]
]

export const pagesHandler = <R>(runtime: ManagedRuntime.ManagedRuntime<R | PageServices, never>) =>
  (request: Request, pathname: string): Promise<Response> | null => {
    const route = routes.find(([prefix]) => pathname.startsWith(prefix))
    if (route === undefined) return null
    const [prefix, page] = route
    return runtime.runPromise(
      page(request, pathname.slice(prefix.length)).pipe(
        Effect.catchAllCause((cause) =>
          Effect.zipRight(
            Effect.logError("hosted page failed", Cause.pretty(cause)),
            Effect.map(branding, (brand) => messagePage(brand, "Something went wrong", "Please try again in a moment.", 500))
          ))
      )
    )
  }
