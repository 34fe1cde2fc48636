/** What every page renderer gets: the signed-in key's client and what this Billkit offers it. */
import type { BillkitClient } from "../BillkitClient.js"
import type { Html } from "../Layout.js"

export interface Features {
  /** Webhook endpoints and their deliveries are served (the webhooks feature is merged). */
  readonly webhooks: boolean
  /** `GET /v1/analytics/mrr` is served; otherwise the MRR chart is computed from subscriptions. */
  readonly analytics: boolean
  /** The event types Billkit emits (its OpenAPI document's `EventType`), for the events filter. */
  readonly eventTypes: ReadonlyArray<string>
}

export interface PageContext {
  readonly client: BillkitClient
  readonly mode: "test" | "live"
  readonly csrfToken: string
  readonly features: Features
  readonly query: URLSearchParams
}

export interface Rendered {
  readonly title: string
  /** The navigation label this page belongs to. */
  readonly current: string
  readonly body: Html
  readonly scripts?: ReadonlyArray<string>
  readonly styles?: ReadonlyArray<string>
}

/** A query parameter, with absent and empty treated alike. */
export const param = (query: URLSearchParams, name: string): string | undefined => {
  const value = query.get(name)?.trim()
  return value === undefined || value === "" ? undefined : value
}
