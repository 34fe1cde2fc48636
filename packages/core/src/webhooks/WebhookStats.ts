/**
 * `GET /v1/analytics/webhooks`: per endpoint (or subscriber) and event type, over deliveries
 * created within `from`/`to`: how many were delivered, failed for good, or are still retrying,
 * and the 50th and 95th percentile of the successful attempts' durations.
 */
import { Effect } from "effect"
import { isoAt } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { Deliveries } from "./Deliveries.js"
import type { StoredDelivery, WebhookStats } from "./domain/WebhookEndpoint.js"

/** The nearest-rank percentile of sorted values, or null for none. */
export const percentile = (sorted: ReadonlyArray<number>, p: number): number | null =>
  sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!

export const statsOf = (deliveries: ReadonlyArray<StoredDelivery>) => {
  const groups = new Map<string, Array<StoredDelivery>>()
  for (const d of deliveries) {
    const key = `${d.endpoint ?? ""}|${d.subscriber ?? ""}|${d.eventType}`
    const group = groups.get(key)
    if (group === undefined) groups.set(key, [d])
    else group.push(d)
  }
  return [...groups.values()].map((group) => {
    const first = group[0]!
    const durations = group.filter((d) => d.status === "succeeded" && d.durationMs !== null).map((d) => d.durationMs!).sort((a, b) => a - b)
    return {
      endpoint: first.endpoint,
      subscriber: first.subscriber,
      eventType: first.eventType,
      delivered: group.filter((d) => d.status === "succeeded").length,
      failed: group.filter((d) => d.status === "failed").length,
      retrying: group.filter((d) => d.status === "pending" && d.attempts > 0).length,
      p50Ms: percentile(durations, 50),
      p95Ms: percentile(durations, 95)
    }
  }).sort((a, b) => `${a.endpoint ?? a.subscriber}|${a.eventType}` < `${b.endpoint ?? b.subscriber}|${b.eventType}` ? -1 : 1)
}

export class WebhookStatsService extends Effect.Service<WebhookStatsService>()("@billkit/core/WebhookStats", {
  effect: Effect.gen(function*() {
    const deliveries = yield* Deliveries
    const stats = traced("WebhookStats.stats")(function*(filters: { readonly from?: number; readonly to?: number }) {
      const all = yield* deliveries.allWithin(filters)
      return {
        object: "webhook_stats",
        from: filters.from === undefined ? null : isoAt(filters.from),
        to: filters.to === undefined ? null : isoAt(filters.to),
        data: statsOf(all)
      } satisfies WebhookStats
    })
    return { stats } as const
  }),
  dependencies: [Deliveries.Default]
}) {}
