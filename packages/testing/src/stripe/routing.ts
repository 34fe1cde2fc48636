/**
 * The fake's routing table: one module per resource family exports its routes
 * (`customers.ts`, `paymentIntents.ts`, …), and `startFakeStripe({ routes })` takes more, so a
 * new family is a new file rather than an edit here.
 */
import type Stripe from "stripe"
import type { Params } from "./params.js"
import type { FakeStripeStore } from "./store.js"

export interface RouteContext {
  readonly store: FakeStripeStore
  /** Path parameters by name: `/v1/customers/:id` → `{ id }`. */
  readonly path: Readonly<Record<string, string>>
  /** The form body (POST) or the query string (GET, DELETE), parsed as Stripe parses them. */
  readonly params: Params
  /** The origin of the fake, for URLs it hands out (`next_action.redirect_to_url`). */
  readonly baseUrl: string
  /** Records an event and hands it to the webhook endpoints. */
  readonly emit: (type: Stripe.Event.Type, object: { readonly id: string }, previous?: Record<string, unknown>) => Stripe.Event
}

export type RouteReply =
  | { readonly status?: number; readonly json: unknown }
  | { readonly status: number; readonly redirect: string }

export interface Route {
  readonly method: "GET" | "POST" | "DELETE"
  /** `/v1/payment_intents/:id/confirm` */
  readonly path: string
  readonly handle: (context: RouteContext) => RouteReply
}

export const route = (method: Route["method"], path: string, handle: Route["handle"]): Route => ({ method, path, handle })

/** A JSON reply with status 200. */
export const ok = (json: unknown): RouteReply => ({ json })

interface CompiledRoute {
  readonly route: Route
  readonly pattern: RegExp
  readonly names: ReadonlyArray<string>
}

const compile = (route: Route): CompiledRoute => {
  const names: Array<string> = []
  const source = route.path
    .split("/")
    .map((part) => {
      if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
      names.push(part.slice(1))
      return "([^/]+)"
    })
    .join("/")
  return { route, pattern: new RegExp(`^${source}$`), names }
}

export interface Router {
  readonly match: (method: string, path: string) => { readonly route: Route; readonly path: Record<string, string> } | undefined
  readonly allows: (path: string) => boolean
}

export const makeRouter = (routes: ReadonlyArray<Route>): Router => {
  const compiled = routes.map(compile)
  const find = (path: string) => compiled.filter((entry) => entry.pattern.test(path))
  return {
    match: (method, path) => {
      for (const entry of find(path)) {
        if (entry.route.method !== method) continue
        const values = entry.pattern.exec(path)!.slice(1)
        return { route: entry.route, path: Object.fromEntries(entry.names.map((name, i) => [name, decodeURIComponent(values[i])])) }
      }
      return undefined
    },
    allows: (path) => find(path).length > 0
  }
}
